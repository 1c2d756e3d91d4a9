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
        byte[] doomed = [.. "cut-this-payload-"u8, .. Guid.NewGuid().ToByteArray()];
        using var relay = new CuttingRelay(bed.ServerAddress, doomed); // the preferred replica: breaks once the payload is written
        using var dns = Dnsmasq.Start(300, Dnsmasq.Host(Node, "127.0.0.1"),
            Dnsmasq.Srv(DnsSrvNetworkDirectoryTests.Query("pull"), Node, relay.Port, 1, 10),
            Dnsmasq.Srv(DnsSrvNetworkDirectoryTests.Query("pull"), Node, bed.ServerAddress.Port, 2, 10));
        bed.ClientOptions.Directory = new DnsSrvNetworkDirectory(DnsSrvNetworkDirectoryTests.Options(dns));

        var sender = (NetworkReplicaSender)bed.Open("pull");
        Assert.That(sender.Send(doomed, Wait), Is.EqualTo(HoseStatus.PeerFailed), "written, then the connection broke: outcome unknown");
        Assert.That(relay.Cut.IsSet, Is.True, "the relay saw the payload and cut");
        Assert.That(sender.Failovers, Is.Zero, "no other replica was tried");

        Assert.That(sender.Send([2], Wait), Is.EqualTo(HoseStatus.Ok), "the next payload goes to the other replica");
        Assert.That(bed.TakeFrom("pull"), Is.EqualTo(new byte[] { 2 }), "and the cut one was never resent there");
        Assert.That(bed.TakeFrom("pull"), Is.Null);
        Assert.That(relay.Failure, Is.Null);
    }

    [Test]
    public async Task AsyncSendsFailOverFromADeadReplicaAsBlockingOnesDo()
    {
        await using var bed = NetworkTestbed.Start(client: o => o.ConnectTimeout = TimeSpan.FromSeconds(1));
        int dead = DeadPort();
        using var dns = Dnsmasq.Start(300, Dnsmasq.Host(Node, "127.0.0.1"),
            Dnsmasq.Srv(DnsSrvNetworkDirectoryTests.Query("pull"), Node, dead, 1, 10),
            Dnsmasq.Srv(DnsSrvNetworkDirectoryTests.Query("pull"), Node, bed.ServerAddress.Port, 2, 10));
        bed.ClientOptions.Directory = new DnsSrvNetworkDirectory(DnsSrvNetworkDirectoryTests.Options(dns));

        var sender = (NetworkReplicaSender)bed.Open("pull");
        await Task.WhenAll(Enumerable.Range(1, 5).Select(i => sender.SendAsync(new[] { (byte)i }).AsTask())).WaitAsync(Wait);
        for (byte i = 1; i <= 5; i++)
        {
            Assert.That(bed.TakeFrom("pull"), Is.EqualTo(new[] { i }), "in the order called, once each");
        }

        Assert.That(bed.TakeFrom("pull"), Is.Null);
        Assert.That(sender.Failovers, Is.EqualTo(1), "the dead replica was tried first, then put last");
    }

    [Test]
    public async Task AnAsyncPayloadWhoseReplicaBrokeAfterTheFirstByteIsPeerFailedAndTheNextGoesElsewhere()
    {
        await using var bed = NetworkTestbed.Start();
        byte[] doomed = [.. "cut-this-payload-"u8, .. Guid.NewGuid().ToByteArray()];
        using var relay = new CuttingRelay(bed.ServerAddress, doomed);
        using var dns = Dnsmasq.Start(300, Dnsmasq.Host(Node, "127.0.0.1"),
            Dnsmasq.Srv(DnsSrvNetworkDirectoryTests.Query("pull"), Node, relay.Port, 1, 10),
            Dnsmasq.Srv(DnsSrvNetworkDirectoryTests.Query("pull"), Node, bed.ServerAddress.Port, 2, 10));
        bed.ClientOptions.Directory = new DnsSrvNetworkDirectory(DnsSrvNetworkDirectoryTests.Options(dns));

        var sender = (NetworkReplicaSender)bed.Open("pull");
        HoseException? thrown = Assert.ThrowsAsync<HoseException>(async () => await sender.SendAsync(doomed).AsTask().WaitAsync(Wait));
        Assert.That(thrown!.Status, Is.EqualTo(HoseStatus.PeerFailed), "written, then the connection broke: outcome unknown");
        Assert.That(sender.Failovers, Is.Zero, "no other replica was tried");

        await sender.SendAsync(new byte[] { 2 }).AsTask().WaitAsync(Wait);
        Assert.That(bed.TakeFrom("pull"), Is.EqualTo(new byte[] { 2 }), "the broken replica was put aside; the cut payload was never resent");
        Assert.That(bed.TakeFrom("pull"), Is.Null);
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

    private static int DeadPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port; // nothing listens there once the socket is closed
    }

    /// <summary>
    /// A TCP relay in front of a replica that forwards both ways until the client sends the bytes of
    /// <c>marker</c>; then it resets both connections instead of forwarding them. So the sender has written the payload
    /// and the replica never gets it (independent of the protocol's frames).
    /// </summary>
    private sealed class CuttingRelay : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

        public CuttingRelay(IPEndPoint target, byte[] marker)
        {
            _listener.Start();
            new Thread(() => Run(target, marker)) { IsBackground = true }.Start();
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public ManualResetEventSlim Cut { get; } = new();

        public Exception? Failure { get; private set; }

        public void Dispose() => _listener.Stop();

        private void Run(IPEndPoint target, byte[] marker)
        {
            try
            {
                using Socket client = _listener.AcceptSocket();
                using var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                server.Connect(target);
                new Thread(() => Pump(server, client)) { IsBackground = true }.Start();
                var seen = new List<byte>();
                var buffer = new byte[64 * 1024];
                int n;
                while ((n = client.Receive(buffer)) > 0)
                {
                    seen.AddRange(buffer.AsSpan(0, n)); // the marker may straddle two reads
                    if (System.Runtime.InteropServices.CollectionsMarshal.AsSpan(seen).IndexOf(marker) >= 0)
                    {
                        client.LingerState = new LingerOption(true, 0);
                        server.LingerState = new LingerOption(true, 0);
                        Cut.Set();
                        return; // disposing both resets them
                    }

                    server.Send(buffer, 0, n, SocketFlags.None);
                }
            }
            catch (Exception e)
            {
                Failure = e;
            }
        }

        private static void Pump(Socket from, Socket to)
        {
            var buffer = new byte[64 * 1024];
            try
            {
                int n;
                while ((n = from.Receive(buffer)) > 0)
                {
                    to.Send(buffer, 0, n, SocketFlags.None);
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // the other side was cut
            }
        }
    }
}
