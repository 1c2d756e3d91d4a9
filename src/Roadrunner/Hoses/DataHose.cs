using Roadrunner.Regions;

namespace Roadrunner.Hoses;

/// <summary>Creates hoses for .NET code that is not a Wasm guest (functions of a <c>FunctionHost</c> get theirs automatically).</summary>
public static class DataHose
{
    /// <summary>
    /// Creates an in-process hose: payloads are copied once into regions of <paramref name="pool"/> (zero times through
    /// <see cref="IHoseSender.ClaimAsync"/>) and read in place by the receiver.
    /// </summary>
    /// <param name="name">The hose's name.</param>
    /// <param name="pool">Where queued payloads live.</param>
    /// <param name="options">Limits, or null for the defaults.</param>
    /// <returns>The hose; dispose it to drop what is still queued.</returns>
    public static IDataHose CreateInProcess(string name, RegionPool pool, HoseOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(pool);
        return new InProcessHose(name, pool, options);
    }

    /// <summary>
    /// Creates a fan-out sender: every payload reaches every target, copied into regions at most once and shared.
    /// </summary>
    /// <param name="name">The sender's name.</param>
    /// <param name="targets">Hoses made by <see cref="CreateInProcess"/> (or functions' inboxes) over one pool.</param>
    /// <returns>The sender.</returns>
    /// <exception cref="ArgumentException">A target is not an in-process hose, or the targets use different pools.</exception>
    public static IHoseSender FanOut(string name, IEnumerable<IDataHose> targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        IInboxTarget[] hoses = [.. targets.Select(t => t as IInboxTarget ?? throw new ArgumentException("Fan-out targets must be in-process hoses.", nameof(targets)))];
        return new FanOutSender(name, hoses);
    }
}
