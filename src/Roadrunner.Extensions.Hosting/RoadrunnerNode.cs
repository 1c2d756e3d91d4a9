using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Roadrunner.Hosting;
using Roadrunner.Hoses.Network;
using Roadrunner.Hoses.SharedMemory;

namespace Roadrunner.Extensions.Hosting;

/// <summary>
/// The Roadrunner part of a generic host: on start it creates the <see cref="FunctionHost"/>, loads the configured
/// functions and routes and starts the configured endpoints; on stop it disposes them in reverse order, leaving
/// nothing in the region folder. Inject it to reach the running host and endpoints.
/// </summary>
public sealed partial class RoadrunnerNode : IHostedService, IAsyncDisposable
{
    private readonly IOptions<RoadrunnerOptions> _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly string _contentRoot;
    private FunctionHost? _host;

    /// <summary>Created by the container; see <c>services.AddRoadrunner(…)</c> (<see cref="RoadrunnerServiceCollectionExtensions"/>).</summary>
    /// <param name="options">The validated options.</param>
    /// <param name="loggerFactory">Where the node, its functions and their output log.</param>
    /// <param name="environment">Gives the content root relative paths start at; null for the current folder.</param>
    public RoadrunnerNode(IOptions<RoadrunnerOptions> options, ILoggerFactory loggerFactory, IHostEnvironment? environment = null)
    {
        _options = options;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<RoadrunnerNode>();
        _contentRoot = environment?.ContentRootPath ?? Directory.GetCurrentDirectory();
    }

    /// <summary>The running function host.</summary>
    /// <exception cref="InvalidOperationException">The node has not started, or has stopped.</exception>
    public FunctionHost Host => _host ?? throw new InvalidOperationException("The Roadrunner node is not running: it starts with the generic host.");

    /// <summary>The shared-memory endpoint, or null when it is not configured (or the node is not running).</summary>
    public SharedMemoryEndpoint? SharedMemory { get; private set; }

    /// <summary>The network endpoint, or null when it is not configured (or the node is not running).</summary>
    public NetworkEndpoint? Network { get; private set; }

    /// <summary>True between a successful start and the stop.</summary>
    public bool IsRunning => _host is not null;

    /// <summary>Creates the host, loads the functions and routes, starts the endpoints.</summary>
    /// <param name="cancellationToken">Gives up the start (what was started is disposed again).</param>
    /// <returns>A task that completes once everything runs.</returns>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        RoadrunnerOptions options = _options.Value;
        var host = new FunctionHost(options.Host, engine: null, _loggerFactory);
        try
        {
            foreach (RoadrunnerFunction function in options.Functions)
            {
                cancellationToken.ThrowIfCancellationRequested();
                host.LoadFile(function.Name, Path.Combine(_contentRoot, function.Path), function.ToLoadOptions());
                FunctionLoaded(_logger, function.Name, function.Path);
            }

            foreach ((string route, string[] targets) in options.Routes)
            {
                host.AddRoute(route, targets);
            }

            if (options.SharedMemory is { Enabled: true } shm)
            {
                SharedMemory = host.StartSharedMemoryEndpoint(shm.Options);
                SharedMemoryStarted(_logger, SharedMemory.Directory);
            }

            if (options.Network is { Enabled: true } network)
            {
                Network = host.StartNetworkEndpoint(network.Options);
                NetworkStarted(_logger, Network.LocalEndPoint.ToString(), network.Peers.Count);
            }

            _host = host;
        }
        catch
        {
            await DisposeAllAsync(host).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Stops the endpoints, then the functions and the host (deleting its region files).</summary>
    /// <param name="cancellationToken">Not used: stopping never waits on anything outside the node.</param>
    /// <returns>A task that completes once everything is disposed.</returns>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        FunctionHost? host = Interlocked.Exchange(ref _host, null);
        if (host is not null)
        {
            await DisposeAllAsync(host).ConfigureAwait(false);
            Stopped(_logger);
        }
    }

    /// <summary>Same as <see cref="StopAsync"/>.</summary>
    /// <returns>A task that completes once everything is disposed.</returns>
    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);

    private async Task DisposeAllAsync(FunctionHost host)
    {
        if (Network is { } network)
        {
            await network.DisposeAsync().ConfigureAwait(false);
            Network = null;
        }

        if (SharedMemory is { } shm)
        {
            await shm.DisposeAsync().ConfigureAwait(false);
            SharedMemory = null;
        }

        await host.DisposeAsync().ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Loaded function {Function} from {Path}")]
    private static partial void FunctionLoaded(ILogger logger, string function, string path);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Shared-memory endpoint started in {Folder}")]
    private static partial void SharedMemoryStarted(ILogger logger, string folder);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "Network endpoint listening on {EndPoint} with {PeerCount} static peer names")]
    private static partial void NetworkStarted(ILogger logger, string endPoint, int peerCount);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "Roadrunner node stopped")]
    private static partial void Stopped(ILogger logger);
}
