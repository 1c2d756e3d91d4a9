using Roadrunner.Hoses;
using Roadrunner.Hoses.Network;
using Roadrunner.Hoses.SharedMemory;
using Roadrunner.Regions;
using Roadrunner.Wasm;

namespace Roadrunner.Hosting;

/// <summary>
/// Connects a <see cref="FunctionHost"/> to other processes and nodes: each method starts an endpoint that serves the
/// host's functions and joins the host's directory, so guests reach remote functions by name as they do local ones.
/// Dispose the endpoints before the host.
/// </summary>
public static class FunctionHostEndpoints
{
    /// <summary>
    /// Starts serving <paramref name="host"/>'s functions to the other processes of this machine through shared memory,
    /// and resolving the functions they announce (see <see cref="SharedMemoryEndpoint"/>). Guest memories kept in files
    /// (<see cref="FunctionHostOptions.GuestMemoryInFiles"/>) are lent for direct reads.
    /// </summary>
    /// <param name="host">The host whose functions are served; the endpoint joins its directory.</param>
    /// <param name="options">Settings, or null for the defaults.</param>
    /// <returns>The running endpoint.</returns>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    /// <exception cref="IOException">The rendezvous folder is a symlink, belongs to another user, or cannot be created.</exception>
    public static SharedMemoryEndpoint StartSharedMemoryEndpoint(this FunctionHost host, SharedMemoryOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        options ??= new SharedMemoryOptions();
        options.Validate();
        var endpoint = new SharedMemoryEndpoint(new HostInboxes(host), options, host.LoggerFactory, GuestMemoryLender.Instance);
        host.AddDirectory(endpoint);
        return endpoint;
    }

    /// <summary>
    /// Starts serving <paramref name="host"/>'s functions and routes to other nodes over TCP, and resolving the names in
    /// <see cref="NetworkOptions.Directory"/> (see <see cref="NetworkEndpoint"/>).
    /// </summary>
    /// <param name="host">The host whose functions are served; the endpoint joins its directory.</param>
    /// <param name="options">Listening address, key, directory, limits.</param>
    /// <returns>The running endpoint.</returns>
    /// <exception cref="ArgumentException">The options are invalid (for example no pre-shared key).</exception>
    public static NetworkEndpoint StartNetworkEndpoint(this FunctionHost host, NetworkOptions options)
    {
        ArgumentNullException.ThrowIfNull(host);
        var endpoint = new NetworkEndpoint(host.Directory, host.Pool, options, host.LoggerFactory);
        host.AddDirectory(endpoint);
        return endpoint;
    }

    /// <summary>A host's functions as a shared-memory endpoint serves them.</summary>
    private sealed class HostInboxes(FunctionHost host) : ILocalInboxes
    {
        public RegionPool Pool => host.Pool;

        public IEnumerable<string> Names => host.Functions.Select(f => f.Name);

        public InProcessHose InboxOf(string name) => host[name].Guest.InboxHose;
    }
}
