using System.Diagnostics.CodeAnalysis;

namespace Roadrunner.Hoses;

/// <summary>
/// A directory that can send one payload to several of its names cheaper than one send each (shared memory: one copy
/// into shared regions, a descriptor per target). A route whose targets it serves asks it for one sender for them all.
/// </summary>
internal interface IFanOutDirectory : IHoseDirectory
{
    /// <summary>One sender that delivers every payload to every name in <paramref name="targets"/>.</summary>
    /// <param name="route">The route's name (the sender's name).</param>
    /// <param name="targets">Names this directory resolves.</param>
    /// <param name="sender">The fan-out, when every target resolves.</param>
    /// <returns>False when a target does not resolve (now).</returns>
    bool TryResolveFanOut(string route, IReadOnlyList<string> targets, [NotNullWhen(true)] out IHoseSender? sender);
}
