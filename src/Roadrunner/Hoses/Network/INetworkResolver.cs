using System.Diagnostics.CodeAnalysis;
using System.Net;

namespace Roadrunner.Hoses.Network;

/// <summary>
/// Maps function names to the network endpoints that serve them. Guests keep addressing targets by name; a static map
/// (<see cref="StaticResolver"/>) or a DNS lookup (for example a Kubernetes headless service) can answer.
/// </summary>
public interface INetworkResolver
{
    /// <summary>Finds the endpoints that serve <paramref name="name"/>.</summary>
    /// <param name="name">A function or route name.</param>
    /// <param name="endpoints">
    /// One endpoint, or several for a fan-out (every endpoint gets every payload) — unless the resolver is an
    /// <see cref="INetworkReplicaResolver"/> that answers the name as replicas (each payload to one of them).
    /// </param>
    /// <returns>True when the name is known.</returns>
    bool TryResolve(string name, [NotNullWhen(true)] out IReadOnlyList<EndPoint>? endpoints);
}
