using System.Net.Sockets;
using System.Text;

namespace Roadrunner.Hoses.Network;

/// <summary>
/// A connection's TCP congestion-control algorithm (Linux <c>TCP_CONGESTION</c>). The sending side's algorithm governs
/// how fast the payloads go; see <see cref="NetworkOptions.CongestionControl"/> for why the hose picks its own.
/// </summary>
internal static class TcpCongestion
{
    private const int IpProtoTcp = 6;
    private const int TcpCongestionOption = 13;
    private const int NameMax = 16; // TCP_CA_NAME_MAX, with the terminating zero

    /// <summary>True for a name the kernel could know: 1–15 ASCII letters, digits or underscores.</summary>
    public static bool IsValidName(string name) =>
        name.Length is > 0 and < NameMax && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    /// <summary>Sets the first of <paramref name="algorithms"/> the kernel accepts; null when it accepts none (the socket keeps its default).</summary>
    public static string? TrySetFirst(Socket socket, IEnumerable<string> algorithms) =>
        algorithms.FirstOrDefault(algorithm => TrySet(socket, algorithm));

    /// <summary>Sets <paramref name="algorithm"/>; false where the platform or the kernel refuses (the socket keeps its default).</summary>
    public static bool TrySet(Socket socket, string algorithm)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            socket.SetRawSocketOption(IpProtoTcp, TcpCongestionOption, Encoding.ASCII.GetBytes(algorithm));
            return true;
        }
        catch (SocketException)
        {
            return false; // not built in, or not in net.ipv4.tcp_allowed_congestion_control for this process
        }
    }

    /// <summary>The algorithm <paramref name="socket"/> uses, or null where it cannot be read.</summary>
    public static string? Get(Socket socket)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        Span<byte> name = stackalloc byte[NameMax];
        int length = socket.GetRawSocketOption(IpProtoTcp, TcpCongestionOption, name);
        return Encoding.ASCII.GetString(name[..length]).TrimEnd('\0');
    }
}
