using System.Net.Sockets;
using Roadrunner.Hoses.Network;

namespace Roadrunner.Tests.Hoses.Network;

public class TcpCongestionTests
{
    [Test]
    public void SetsTheAlgorithmOrKeepsTheDefault()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        string? before = TcpCongestion.Get(socket);
        bool set = TcpCongestion.TrySet(socket, "reno"); // built into every Linux kernel
        if (!OperatingSystem.IsLinux())
        {
            Assert.That((set, before), Is.EqualTo((false, (string?)null)));
            return;
        }

        // Unprivileged processes may only pick the allowed algorithms; either way the socket says what it uses.
        Assert.That(TcpCongestion.Get(socket), Is.EqualTo(set ? "reno" : before));
    }

    [Test]
    public void AnUnknownAlgorithmLeavesTheSocketAsItWas()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        string? before = TcpCongestion.Get(socket);
        Assert.That(TcpCongestion.TrySet(socket, "no_such_cc"), Is.False);
        Assert.That(TcpCongestion.Get(socket), Is.EqualTo(before));
    }

    [Test]
    public void TheFirstAcceptedAlgorithmIsUsed()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        string? chosen = TcpCongestion.TrySetFirst(socket, ["no_such_cc", "reno"]);
        if (!OperatingSystem.IsLinux())
        {
            Assert.That(chosen, Is.Null);
            return;
        }

        // reno is built into every kernel and always in net.ipv4.tcp_allowed_congestion_control.
        Assert.That((chosen, TcpCongestion.Get(socket)), Is.EqualTo(("reno", "reno")));
    }

    [TestCase("")]
    [TestCase("bbr; rm")]
    [TestCase("a_name_far_too_long")]
    public void OptionsRejectNamesNoKernelKnows(string name)
    {
        var options = new NetworkOptions { PreSharedKey = new byte[32], CongestionControl = ["cubic", name] };
        Assert.Throws<ArgumentException>(options.Validate);
    }

    [Test]
    public void OptionsAcceptTheSystemDefault()
    {
        var options = new NetworkOptions { PreSharedKey = new byte[32], CongestionControl = [] };
        Assert.DoesNotThrow(options.Validate);
    }
}
