using BenchmarkDotNet.Attributes;
using Roadrunner.Bench.Contenders;

namespace Roadrunner.Bench.Benchmarks;

/// <summary>
/// The fan-out workload (the paper's setting): one sender, N = 1, 10, 100 receivers, 10 MB each. Every contender that
/// supports fan-out.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(BenchConfig))]
[BenchmarkCategory("fanout")]
public class FanOutBenchmarks : ContenderBenchmark
{
    /// <summary>The contender: a hose mode or a baseline.</summary>
    [ParamsSource(nameof(Contenders))]
    public string Contender { get; set; } = "";

    /// <summary>How many receivers get every payload.</summary>
    [ParamsSource(nameof(Widths))]
    public int Receivers { get; set; }

    /// <summary>Every contender key that supports fan-out.</summary>
    public static IEnumerable<string> Contenders => ContenderRegistry.SuiteKeys.Where(k => ContenderRegistry.ByKey[k].SupportsFanOut);

    /// <summary>The fan-out widths.</summary>
    public static IEnumerable<int> Widths => PayloadSizes.FanOut;

    /// <inheritdoc />
    protected override int Bytes => PayloadSizes.MB10;

    /// <inheritdoc />
    protected override int ReceiverCount => Receivers;

    /// <inheritdoc />
    protected override string Key => Contender;

    /// <summary>Starts the contender and verifies one transfer.</summary>
    [GlobalSetup]
    public void GlobalSetup() => Setup();

    /// <summary>Verifies the last transfer and stops the contender.</summary>
    [GlobalCleanup]
    public void GlobalCleanup() => Cleanup();

    /// <summary>One 10 MB payload from the producer guest into every receiver.</summary>
    /// <returns>Completes when every receiver has it.</returns>
    [Benchmark]
    public ValueTask FanOut10MB() => Run();
}
