using Roadrunner.Regions;
using Roadrunner.Workloads;

namespace Roadrunner.Bench.Contenders;

/// <summary>
/// The folder the zero-copy modes and <c>map-floor</c> keep their files in (guest memories, regions): the region pool's
/// default unless <c>compare --folder DIR</c> or <see cref="Variable"/> names another, e.g. a tmpfs mounted
/// <c>huge=always</c> to measure huge pages (docs/zero-copy.md).
/// </summary>
internal static class BenchFolder
{
    /// <summary>The environment variable that holds the folder (so BenchmarkDotNet's child processes see it too).</summary>
    public const string Variable = "ROADRUNNER_BENCH_FOLDER";

    /// <summary>The folder, or null for the region pool's default.</summary>
    public static string? Path => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } folder ? folder : null;

    /// <summary>How the folder reads in the run's header, e.g. <c>/tmp/rr-huge (huge pages)</c>.</summary>
    public static string Describe() =>
        $"{Path ?? MapFloor.DefaultFolder}{(RegionPool.HasHugePages(Path) ? " (tmpfs with huge pages)" : "")}";
}
