using BenchmarkDotNet.Attributes;
using Roadrunner.Bench.Contenders;

namespace Roadrunner.Bench.Benchmarks;

/// <summary>
/// The chain workload: producer.wasm sends one payload to consumer.wasm, which does O(1) work on it (length, first and
/// last byte). Every hose mode and every baseline, 1 KB to 100 MB.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(BenchConfig))]
[BenchmarkCategory("chain")]
public class ChainBenchmarks : ContenderBenchmark
{
    /// <summary>The contender: a hose mode or a baseline (see <see cref="ContenderRegistry.ByKey"/>).</summary>
    [ParamsSource(nameof(Contenders))]
    public string Contender { get; set; } = "";

    /// <summary>The payload size.</summary>
    [ParamsSource(nameof(Sizes))]
    public int PayloadBytes { get; set; }

    /// <summary>Every contender key.</summary>
    public static IEnumerable<string> Contenders => ContenderRegistry.SuiteKeys;

    /// <summary>The default chain sizes.</summary>
    public static IEnumerable<int> Sizes => PayloadSizes.Chain;

    /// <inheritdoc />
    protected override int Bytes => PayloadBytes;

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

    /// <summary>One payload from the producer guest into the consumer guest.</summary>
    /// <returns>Completes when the consumer guest has it.</returns>
    [Benchmark]
    public ValueTask Transfer() => Run();
}
