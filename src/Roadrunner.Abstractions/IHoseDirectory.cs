using System.Diagnostics.CodeAnalysis;

namespace Roadrunner;

/// <summary>
/// Finds the hose that reaches a function or route by name. Guests address targets only by name, so a directory can
/// answer with a hose in this process, in another process or on another node without any guest changing.
/// </summary>
public interface IHoseDirectory
{
    /// <summary>Resolves a target name.</summary>
    /// <param name="name">A function or route name.</param>
    /// <param name="sender">The hose that delivers to it.</param>
    /// <returns>True when the name is known.</returns>
    bool TryResolve(string name, [NotNullWhen(true)] out IHoseSender? sender);
}
