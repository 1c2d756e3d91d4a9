using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Roadrunner.Hoses.Network;

namespace Roadrunner.Extensions.Hosting;

/// <summary>
/// Fills the parts of the network options that configuration gives in friendlier form (the listen address, the key,
/// the peers) before validation. What cannot be read is left alone: <see cref="RoadrunnerOptionsValidator"/> says why.
/// </summary>
internal sealed class RoadrunnerOptionsSetup(string contentRoot, ILoggerFactory? loggers = null) : IPostConfigureOptions<RoadrunnerOptions>
{
    public void PostConfigure(string? name, RoadrunnerOptions options)
    {
        if (options.Network is not { Enabled: true } network)
        {
            return;
        }

        if (IPEndPoint.TryParse(network.Listen, out IPEndPoint? listen))
        {
            network.Options.ListenEndPoint = listen;
        }

        try
        {
            network.Options.PreSharedKey = PreSharedKey.Load(network, contentRoot) ?? network.Options.PreSharedKey;
        }
        catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
        {
            // reported by the validator
        }

        if (network.Dns is { } dns && network.Peers.Count == 0 && network.Options.Resolver is null)
        {
            try
            {
                network.Options.Resolver = new DnsSrvResolver(dns, TimeProvider.System, loggers?.CreateLogger<DnsSrvResolver>());
            }
            catch (ArgumentException)
            {
                // reported by the validator
            }
        }

        if (network.Peers.Count > 0 && network.Options.Resolver is null)
        {
            try
            {
                var resolver = new StaticResolver();
                foreach ((string peer, string[] endpoints) in network.Peers)
                {
                    resolver.Add(peer, [.. endpoints.Select(StaticResolver.ParseEndPoint)]);
                }

                network.Options.Resolver = resolver;
            }
            catch (FormatException)
            {
                // reported by the validator
            }
        }
    }
}
