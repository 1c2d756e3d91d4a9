using System.Diagnostics.CodeAnalysis;

namespace Roadrunner.Hoses.Network;

/// <summary>
/// A resolver whose names may be served by interchangeable replicas (for example the pods behind a Kubernetes
/// headless Service, published as DNS SRV records): each payload goes to ONE replica, not to every endpoint as with
/// the fan-out of <see cref="INetworkResolver.TryResolve"/>. <see cref="NetworkEndpoint"/> asks this first and falls
/// back to <see cref="INetworkResolver.TryResolve"/> (fan-out) for names it does not answer.
/// </summary>
public interface INetworkReplicaResolver : INetworkResolver
{
    /// <summary>
    /// The replicas that serve <paramref name="name"/> now. Called on every send to the name, so the answer may change
    /// over time (pods come and go); implementations cache it.
    /// </summary>
    /// <param name="name">A function name.</param>
    /// <param name="replicas">At least one replica when the call returns true.</param>
    /// <returns>True when the name is served by replicas now; false when it is unknown or resolves to nothing.</returns>
    bool TryResolveReplicas(string name, [NotNullWhen(true)] out IReadOnlyList<NetworkReplica>? replicas);
}
