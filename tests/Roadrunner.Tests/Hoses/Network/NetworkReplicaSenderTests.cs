using System.Net;
using System.Net.Sockets;
using Roadrunner.Hoses.Network;

namespace Roadrunner.Tests.Hoses.Network;

/// <summary>
/// Replicas found through dnsmasq SRV records: each payload goes to one replica, dead ones are skipped. Everything on
/// 127.0.0.1; the "pull" function is served by the testbed's server host.
/// </summary>
[CancelAfter(60_000)]
public class NetworkReplicaSenderTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private const string Node = "node.rr.test";

    [Test]
    public async Task EveryPayloadReachesTheLiveReplicaWhenThePreferredOneIsDead()
    {
        await using var bed = NetworkTestbed.Start(client: o => o.ConnectTimeout = TimeSpan.FromSeconds(1));
        int dead = DeadPort();
        using var dns = Dnsmasq.Start(300, Dnsmasq.Host(Node, "127.0.0.1"),
            Dnsmasq.Srv(DnsSrvNetworkDirectoryTests.Query("pull"), Node, dead, 1, 10),
            Dnsmasq.Srv(DnsSrvNetworkDirectoryTests.Query("pull"), Node, bed.ServerAddress.Port, 2, 10));
        bed.ClientOptions.Directory = new DnsSrvNetworkDirectory(DnsSrvNetworkDirectoryTests.Options(dns));

        var sender = (NetworkReplicaSender)bed.Open("pull");
        for (byte i = 1; i <= 5; i++)
        {
            Assert.That(sender.Send([i], Wait), Is.EqualTo(HoseStatus.Ok), $"payload {i}");
        }

        for (byte i = 1; i <= 5; i++)
        {
            Assert.That(bed.TakeFrom("pull"), Is.EqualTo(new[] { i }), "in order, once each");
        }

        Assert.That(bed.TakeFrom("pull"), Is.Null);
        Assert.That(bed.Client.LinkTo(new IPEndPoint(IPAddress.Loopback, dead)), Is.Not.Null.And.Property(nameof(PeerLink.Connects)).Zero, "the dead replica was tried first");
        Assert.That(sender.Failovers, Is.EqualTo(1), "then put last: later sends went to the live one at once");
    }

    [Test]
    public async Task APayloadWhoseReplicaBrokeAfterTheFirstByteIsPeerFailedAndNotResentElsewhere()
    {
        await using var bed = NetworkTestbed.Start();
        using var breaking = new TcpListener(IPAddress.Loopback, 0);
        breaking.Start();
        Exception? replicaFailure = null;
        var replica = new Thread(() =>
        {
            try
            {
                BreakAfterTheFirstDataHeader(breaking);
            }
            catch (Exception e)
            {
                replicaFailure = e;
            }
        }) { IsBackground = true };
        replica.Start();
        using var dns = Dnsmasq.Start(300, Dnsmasq.Host(Node, "127.0.0.1"),
            Dnsmasq.Srv(DnsSrvNetworkDirectoryTests.Query("pull"), Node, ((IPEndPoint)breaking.LocalEndpoint).Port, 1, 10),
            Dnsmasq.Srv(DnsSrvNetworkDirectoryTests.Query("pull"), Node, bed.ServerAddress.Port, 2, 10));
        bed.ClientOptions.Directory = new DnsSrvNetworkDirectory(DnsSrvNetworkDirectoryTests.Options(dns));

        var sender = (NetworkReplicaSender)bed.Open("pull");
        Assert.That(sender.Send([1], Wait), Is.EqualTo(HoseStatus.PeerFailed), "written, then the connection broke: outcome unknown");
        Assert.That(replica.Join(Wait), Is.True);
        Assert.That(replicaFailure, Is.Null);
        Assert.That(bed.TakeFrom("pull"), Is.Null, "never resent to the other replica");
        Assert.That(sender.Failovers, Is.Zero);

        Assert.That(sender.Send([2], Wait), Is.EqualTo(HoseStatus.Ok), "the next payload goes to the live replica");
        Assert.That(bed.TakeFrom("pull"), Is.EqualTo(new byte[] { 2 }));
    }

    [Test]
    public async Task ReplicasOfOnePriorityShareThePayloadsAndEachPayloadArrivesOnce()
    {
        await using var bed = NetworkTestbed.Start();
        NetworkOptions second = NetworkTestbed.Options();
        await using var secondEndpoint = new NetworkEndpoint(bed.Server.Directory, bed.Server.Pool, second); // a second replica of the same functions
        using var dns = Dnsmasq.Start(300, Dnsmasq.Host(Node, "127.0.0.1"),
            Dnsmasq.Srv(DnsSrvNetworkDirectoryTests.Query("pull"), Node, bed.ServerAddress.Port, 1, 10),
            Dnsmasq.Srv(DnsSrvNetworkDirectoryTests.Query("pull"), Node, secondEndpoint.LocalEndPoint.Port, 1, 10));
        bed.ClientOptions.Directory = new DnsSrvNetworkDirectory(DnsSrvNetworkDirectoryTests.Options(dns));

        IHoseSender sender = bed.Open("pull");
        const int Count = 40;
        for (int i = 0; i < Count; i++)
        {
            Assert.That(sender.Send(BitConverter.GetBytes(i), Wait), Is.EqualTo(HoseStatus.Ok));
        }

        var arrived = new List<int>();
        while (bed.TakeFrom("pull") is { } payload)
        {
            arrived.Add(BitConverter.ToInt32(payload));
        }

        Assert.That(arrived, Is.EquivalentTo(Enumerable.Range(0, Count)), "each payload once: replicas, not a fan-out");
        Assert.That(bed.Client.LinkTo(bed.ServerAddress)?.Connects, Is.EqualTo(1), "the first replica had some (chance 2^-39 of none)");
        Assert.That(bed.Client.LinkTo(secondEndpoint.LocalEndPoint)?.Connects, Is.EqualTo(1), "and the second too");
    }

    [Test]
    public async Task ANameWithoutRecordsDoesNotResolve()
    {
        await using var bed = NetworkTestbed.Start();
        using var dns = Dnsmasq.Start(300, Dnsmasq.Host(Node, "127.0.0.1"), Dnsmasq.Srv(DnsSrvNetworkDirectoryTests.Query("pull"), Node, bed.ServerAddress.Port, 1, 10));
        bed.ClientOptions.Directory = new DnsSrvNetworkDirectory(DnsSrvNetworkDirectoryTests.Options(dns));
        Assert.That(bed.Client.TryResolve("push", out IHoseSender? sender), Is.False, "no SRV records for push");
        Assert.That(sender, Is.Null);
    }

    [Test]
    public void ReplicaOrderFollowsPriorityThenWeight()
    {
        NetworkReplica heavy = new(new IPEndPoint(IPAddress.Loopback, 1), 10, 30);
        NetworkReplica light = new(new IPEndPoint(IPAddress.Loopback, 2), 10, 10);
        NetworkReplica idle = new(new IPEndPoint(IPAddress.Loopback, 3), 10, 0);
        NetworkReplica backup = new(new IPEndPoint(IPAddress.Loopback, 4), 20, 50);
        var random = new Random(1234);
        var first = new Dictionary<NetworkReplica, int> { [heavy] = 0, [light] = 0, [idle] = 0 };
        const int Rounds = 10_000;
        for (int i = 0; i < Rounds; i++)
        {
            NetworkReplica[] order = ReplicaOrder.Arrange([backup, idle, light, heavy], random);
            Assert.That(order[3], Is.EqualTo(backup), "a higher priority value only after every lower one");
            Assert.That(order[..3], Is.EquivalentTo(new[] { heavy, light, idle }));
            first[order[0]]++;
        }

        // RFC 2782: first with probability weight / (sum + 1) (the +1 is weight 0's share of the random range).
        Assert.That(first[heavy] / (double)Rounds, Is.EqualTo(30 / 41.0).Within(0.03));
        Assert.That(first[light] / (double)Rounds, Is.EqualTo(10 / 41.0).Within(0.03));
        Assert.That(first[idle] / (double)Rounds, Is.EqualTo(1 / 41.0).Within(0.01));
    }

    /// <summary>A replica that authenticates, opens the hose, reads the first data frame's header and drops the connection.</summary>
    private static void BreakAfterTheFirstDataHeader(TcpListener listener)
    {
        using Socket socket = listener.AcceptSocket();
        using var stream = new NetworkStream(socket) { ReadTimeout = 20_000, WriteTimeout = 20_000 };
        Authenticator.Server(stream, NetworkTestbed.Key);
        var head = new byte[FrameHeader.Size];
        stream.ReadExactly(head);
        FrameHeader open = FrameHeader.Read(head, 1 << 20);
        stream.ReadExactly(new byte[open.Length]);
        stream.Write(new FrameHeader(FrameKind.Ack, FrameFlags.None, open.Hose, 0, 0, 0, (uint)HoseStatus.Ok).ToArray());
        stream.ReadExactly(head);
        if (FrameHeader.Read(head, 1 << 20).Kind != FrameKind.Data)
        {
            throw new InvalidOperationException("expected the data frame");
        }

        socket.LingerState = new LingerOption(true, 0); // reset: the sender sees the break at once
    }

    private static int DeadPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port; // nothing listens there once the socket is closed
    }
}
