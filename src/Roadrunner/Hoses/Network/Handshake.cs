using System.Net.Security;
using System.Net.Sockets;

namespace Roadrunner.Hoses.Network;

/// <summary>
/// Opens a new connection on either side: TLS when the options configure it, then the pre-shared-key authentication
/// and the limits exchange of <see cref="Authenticator"/>. Blocking calls; the caller bounds their time (closing the
/// socket ends them). On failure the TLS stream made here is disposed, and the exception is the caller's to classify.
/// </summary>
internal static class Handshake
{
    /// <summary>The connecting side: returns the stream to use from now on, and the limits it sends within.</summary>
    public static Stream AsClient(NetworkStream network, NetworkOptions options, out PeerLimits limits)
    {
        SslClientAuthenticationOptions? tls = options.ClientTls;
        SslStream? ssl = tls is null ? null : new SslStream(network, leaveInnerStreamOpen: false);
        Stream stream = (Stream?)ssl ?? network;
        try
        {
            ssl?.AuthenticateAsClient(tls!);
            limits = PeerLimits.ForSending(options, Authenticator.Client(stream, options.PreSharedKey));
            return stream;
        }
        catch
        {
            ssl?.Dispose();
            throw;
        }
    }

    /// <summary>The accepting side: returns the stream to use from now on, having told the client this end's limits.</summary>
    public static Stream AsServer(NetworkStream network, NetworkOptions options)
    {
        SslServerAuthenticationOptions? tls = options.ServerTls;
        SslStream? ssl = tls is null ? null : new SslStream(network, leaveInnerStreamOpen: false);
        Stream stream = (Stream?)ssl ?? network;
        try
        {
            ssl?.AuthenticateAsServer(tls!);
            Authenticator.Server(stream, options.PreSharedKey, PeerLimits.Of(options));
            return stream;
        }
        catch
        {
            ssl?.Dispose();
            throw;
        }
    }
}
