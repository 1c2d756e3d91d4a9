using BenchmarkDotNet.Attributes;
using Roadrunner.Bench.Contenders;

namespace Roadrunner.Bench.Benchmarks;

/// <summary>
/// The paper's 500 MB chain, in its own category <c>huge</c>: not in the default run (it needs several GB of memory and
/// seconds per transfer). Run it with <c>--anyCategories huge</c>.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(BenchConfig))]
[BenchmarkCategory(Category)]
public class Chain500MBBenchmarks : ContenderBenchmark
{
    /// <summary>The category name.</summary>
    public const string Category = "huge";

    /// <summary>The contender: a hose mode or a baseline.</summary>
    [ParamsSource(nameof(Contenders))]
    public string Contender { get; set; } = "";

    /// <summary>Every contender key.</summary>
    public static IEnumerable<string> Contenders => ContenderRegistry.SuiteKeys;

    /// <inheritdoc />
    protected override int Bytes => PayloadSizes.MB500;

    /// <inheritdoc />
    protected override int ReceiverCount => 1;

    /// <inheritdoc />
    protected override string Key => Contender;

    /// <summary>Starts the contender and verifies one transfer.</summary>
    [GlobalSetup]
    public void GlobalSetup() => Setup();

    /// <summary>Verifies the last transfer and stops the contender.</summary>
    [GlobalCleanup]
    public void GlobalCleanup() => Cleanup();

    /// <summary>One 500 MB payload from the producer guest into the consumer guest.</summary>
    /// <returns>Completes when the consumer guest has it.</returns>
    [Benchmark]
    public ValueTask Transfer500MB() => Run();
}
