using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;

namespace Roadrunner.Hoses.Network;

/// <summary>A fixed map of function names to endpoints, built in code or parsed from configuration.</summary>
public sealed class StaticResolver : INetworkResolver
{
    private readonly ConcurrentDictionary<string, IReadOnlyList<EndPoint>> _names = new(StringComparer.Ordinal);

    /// <summary>Maps <paramref name="name"/> to one endpoint, or to several for a fan-out; replaces an earlier mapping.</summary>
    /// <param name="name">The function or route name.</param>
    /// <param name="endpoints">Where it is served.</param>
    /// <returns>This resolver.</returns>
    public StaticResolver Add(string name, params EndPoint[] endpoints)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(endpoints);
        if (endpoints.Length == 0)
        {
            throw new ArgumentException("At least one endpoint is needed.", nameof(endpoints));
        }

        _names[name] = [.. endpoints];
        return this;
    }

    /// <summary>
    /// Parses <c>name=host:port[,host:port…]</c> entries separated by <c>;</c> or new lines, for example
    /// <c>consumer=127.0.0.1:7000;audit=10.0.0.2:7000,10.0.0.3:7000</c>. Host names become <see cref="DnsEndPoint"/>s.
    /// </summary>
    /// <param name="configuration">The entries.</param>
    /// <returns>The resolver.</returns>
    /// <exception cref="FormatException">An entry is malformed.</exception>
    public static StaticResolver Parse(string configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var resolver = new StaticResolver();
        foreach (string entry in configuration.Split([';', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int equals = entry.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new FormatException($"'{entry}' is not name=host:port");
            }

            EndPoint[] endpoints = [.. entry[(equals + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ParseEndPoint)];
            resolver.Add(entry[..equals].Trim(), endpoints);
        }

        return resolver;
    }

    /// <inheritdoc />
    public bool TryResolve(string name, [NotNullWhen(true)] out IReadOnlyList<EndPoint>? endpoints) => _names.TryGetValue(name, out endpoints);

    /// <summary>Parses <c>ip:port</c>, <c>[ipv6]:port</c> or <c>host:port</c> (port 1–65535).</summary>
    /// <exception cref="FormatException">It is none of these.</exception>
    internal static EndPoint ParseEndPoint(string text)
    {
        if (IPEndPoint.TryParse(text, out IPEndPoint? ip) && ip.Port != 0)
        {
            return ip;
        }

        int colon = text.LastIndexOf(':');
        if (colon > 0 && int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port is > 0 and <= 65535)
        {
            return new DnsEndPoint(text[..colon], port);
        }

        throw new FormatException($"'{text}' is not host:port");
    }
}
