namespace Roadrunner.Bench.Contenders;

/// <summary>
/// A Roadrunner hose mode under test (in-process, cross-process, network). To add a mode, write ONE public class that
/// implements this interface and has a public parameterless constructor: <see cref="ContenderRegistry"/> finds it by
/// reflection, and both the BenchmarkDotNet suite and the <c>compare</c> command pick it up.
/// </summary>
public interface IHoseMode : IContenderFactory
{
    /// <summary>Where the mode sorts in tables and charts (in-process 0, cross-process 1, network 2).</summary>
    int Order { get; }

    /// <summary>
    /// The baselines this mode is compared with, by name (see <see cref="BaselineNames"/>). A name is resolved first
    /// in <see cref="OwnBaselines"/>, then in the shared baselines of <see cref="ContenderRegistry"/>.
    /// </summary>
    IReadOnlyList<string> Baselines { get; }

    /// <summary>
    /// Baselines only this mode has, or its own versions of shared ones (e.g. the network mode's <c>socket-pump</c>, or a
    /// cross-process <c>http-json</c> whose consumer host is the peer process). Empty for most modes.
    /// </summary>
    IReadOnlyList<IContenderFactory> OwnBaselines { get; }
}
