using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using Perfolizer.Horology;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;

namespace Roadrunner.Bench.Benchmarks;

/// <summary>
/// A short job so the default chain run finishes in about ten minutes on two cores: one launch, three warm-up and
/// seven measured iterations of ~250 ms (a single invocation when one transfer takes longer), no overhead evaluation
/// (the transfers are microseconds to seconds, the overhead nanoseconds). Medians and allocations are shown.
/// </summary>
public sealed class BenchConfig : ManualConfig
{
    /// <summary>Creates the config.</summary>
    public BenchConfig()
    {
        AddJob(Job.Default
            .WithLaunchCount(1)
            .WithWarmupCount(3)
            .WithIterationCount(7)
            .WithIterationTime(TimeInterval.FromMilliseconds(250))
            .WithEvaluateOverhead(false)
            .WithGcServer(false)
            .WithId("Short"));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(StatisticColumn.Median, StatisticColumn.Min);
        AddColumn(CategoriesColumn.Default);
        WithOrderer(new BenchmarkDotNet.Order.DefaultOrderer(BenchmarkDotNet.Order.SummaryOrderPolicy.Declared));
        WithSummaryStyle(SummaryStyle.Default.WithMaxParameterColumnWidth(40));
        WithOption(ConfigOptions.JoinSummary, true);

        // The generated project builds the whole dependency graph; on a busy 2-core machine that can take minutes.
        WithBuildTimeout(TimeSpan.FromMinutes(10));
    }
}
