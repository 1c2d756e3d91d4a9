using System.Diagnostics;
using System.Diagnostics.Metrics;
using Roadrunner.Diagnostics;
using Roadrunner.Hoses.Network;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Hoses.Network;

/// <summary>Peers with the key that send too slowly cannot hold the receiver's budget or keep others out (issue 13, case 4).</summary>
[CancelAfter(60_000)]
public class SlowPeerTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(20);

    [Test]
    public async Task TricklersAreDroppedWhileALegitimateSenderKeepsGettingThrough()
    {
        const int Tricklers = 3;
        const int Announced = 32 * 1024 * 1024; // each: half of the server's 64 MiB budget, so three would have held all of it
        await using var bed = NetworkTestbed.Start(server: o =>
        {
            o.MinReceiveBytesPerSecond = 64 * 1024;
            o.MinReceiveRateGracePeriod = TimeSpan.FromSeconds(2);
        });
        using var drops = new DropCounter();
        IHoseSender legit = bed.Open("pull2");
        Assert.That(legit.Send([0], Guard), Is.EqualTo(HoseStatus.Ok));
        Assert.That(bed.TakeFrom("pull2"), Is.EqualTo(new byte[] { 0 }));

        // Each trickler announces a large message, sends its first byte and then one more every 100 ms.
        var peers = new List<RawPeer>();
        using var stop = new CancellationTokenSource();
        var trickles = new List<Task>();
        for (int i = 0; i < Tricklers; i++)
        {
            var peer = new RawPeer(bed);
            peers.Add(peer);
            Assert.That(peer.Open(1, "pull"), Is.EqualTo(HoseStatus.Ok));
            peer.BeginMessage(1, 1, frameLength: 1024 * 1024, messageLength: Announced, last: false);
            peer.Stream.WriteByte(1);
            trickles.Add(Trickle(peer, stop.Token));
        }

        try
        {
            // They hold part of the budget: one region each, rented when their first byte came.
            Assert.That(SpinWait.SpinUntil(() => bed.Server.Pool.LeasedBytes >= Tricklers * TestPool.Large, Guard), Is.True, "the tricklers' first regions");
            Assert.That(bed.Server.Pool.LeasedBytes, Is.LessThan(bed.Server.Pool.MaxLeasedBytes / 2), "only what they sent is held");

            // Meanwhile the legitimate sender's 1 MB messages go through at their normal pace.
            byte[] payload = new byte[1_000_000];
            for (int i = 0; i < 10; i++)
            {
                var clock = Stopwatch.StartNew();
                Assert.That(legit.Send(payload, Guard), Is.EqualTo(HoseStatus.Ok), $"message {i}");
                Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(1.5)), $"message {i} waited for budget");
                Assert.That(bed.TakeFrom("pull2"), Is.Not.Null);
            }

            Assert.That(bed.ServerEndpoint.Listener.TooSlowDrops, Is.Zero, "the legitimate messages went through during the attack");

            // The tricklers fall below the minimum rate and are dropped; their regions come back.
            Assert.That(SpinWait.SpinUntil(() => bed.ServerEndpoint.Listener.TooSlowDrops == Tricklers, Guard), Is.True, "every trickler dropped");
            foreach (RawPeer peer in peers)
            {
                Assert.That(NetworkTestbed.IsDropped(peer.Stream), Is.True);
            }

            Assert.That(SpinWait.SpinUntil(() => bed.Server.Pool.LeasedBytes == 0, Guard), Is.True, "their regions came back");
            Assert.That(drops.TooSlow, Is.EqualTo(Tricklers), "counted in roadrunner.net.connections_dropped");
            Assert.That(bed.TakeFrom("pull"), Is.Null, "nothing of theirs was delivered");
            Assert.That(legit.Send(payload, Guard), Is.EqualTo(HoseStatus.Ok));
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(trickles);
            peers.ForEach(p => p.Dispose());
        }
    }

    [Test]
    public async Task PeerThatBurstsThenStallsIsDroppedAndGivesItsRegionsBack()
    {
        await using var bed = NetworkTestbed.Start(server: o =>
        {
            o.MinReceiveBytesPerSecond = 64 * 1024;
            o.MinReceiveRateGracePeriod = TimeSpan.FromMilliseconds(500);
        });
        using var peer = new RawPeer(bed);
        Assert.That(peer.Open(1, "pull"), Is.EqualTo(HoseStatus.Ok));

        // 3 MiB of a 4 MiB message at full speed (the rest of the footprint gets rented), then a byte now and then.
        peer.BeginMessage(1, 1, frameLength: 4 * 1024 * 1024, messageLength: 4 * 1024 * 1024, last: true);
        peer.Stream.Write(new byte[3 * 1024 * 1024]);
        Assert.That(SpinWait.SpinUntil(() => bed.Server.Pool.LeasedBytes == 4 * TestPool.Large, Guard), Is.True);
        using var stop = new CancellationTokenSource();
        Task trickle = Trickle(peer, stop.Token);

        var clock = Stopwatch.StartNew();
        Assert.That(NetworkTestbed.IsDropped(peer.Stream), Is.True);
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(4.5)), "about two windows after it fell behind, not at the frame timeout");
        Assert.That(SpinWait.SpinUntil(() => bed.Server.Pool.LeasedBytes == 0, Guard), Is.True, "the partial message's regions came back");
        Assert.That(bed.ServerEndpoint.Listener.TooSlowDrops, Is.EqualTo(1));
        await stop.CancelAsync();
        await trickle;
    }

    [Test]
    public async Task ServerWaitingForRoomDoesNotCountAgainstThePeer()
    {
        // The inbox is full for longer than the rate window: the server stops reading, and that is not the peer's fault.
        await using var bed = NetworkTestbed.Start(
            server: o =>
            {
                o.MinReceiveBytesPerSecond = 1024 * 1024;
                o.MinReceiveRateGracePeriod = TimeSpan.FromMilliseconds(200);
                o.DeliveryTimeout = TimeSpan.FromSeconds(10);
            },
            host: h => h.Guest.Inbox.MaxQueuedPayloads = 1);
        IHoseSender sender = bed.Open("pull");
        Assert.That(sender.Send(new byte[100_000], Guard), Is.EqualTo(HoseStatus.Ok));
        Task<HoseStatus> second = Task.Run(() => sender.Send(new byte[100_000], Guard));
        Assert.That(second.Wait(TimeSpan.FromSeconds(1)), Is.False, "held: the inbox is full");
        Assert.That(bed.TakeFrom("pull"), Is.Not.Null);
        Assert.That(await second, Is.EqualTo(HoseStatus.Ok));
        Assert.That(bed.ServerEndpoint.Listener.TooSlowDrops, Is.Zero);
        Assert.That(bed.Client.LinkTo(bed.ServerAddress)!.Connects, Is.EqualTo(1));
    }

    [Test]
    public async Task PeersStuckInTheHandshakeMakeRoomForOneThatAuthenticates()
    {
        await using var bed = NetworkTestbed.Start(server: o =>
        {
            o.MaxConnections = 2;
            o.HandshakeTimeout = TimeSpan.FromSeconds(30);
        });
        using var silent1 = new RawPeer(bed, authenticate: false);
        using var silent2 = new RawPeer(bed, authenticate: false);
        Assert.That(SpinWait.SpinUntil(() => bed.ServerEndpoint.ServedConnectionCount == 2, Guard), Is.True);

        Assert.That(bed.Open("pull").Send([1], Guard), Is.EqualTo(HoseStatus.Ok), "the oldest silent peer made room");
        Assert.That(NetworkTestbed.IsDropped(silent1.Stream), Is.True);
        Assert.That(bed.TakeFrom("pull"), Is.EqualTo(new byte[] { 1 }));
    }

    [Test]
    public async Task PeerThatNeverReadsItsAnswersIsDroppedAtTheFrameTimeout()
    {
        await using var bed = NetworkTestbed.Start(server: o => o.FrameTimeout = TimeSpan.FromMilliseconds(500));
        using var peer = new RawPeer(bed);
        Assert.That(SpinWait.SpinUntil(() => bed.ServerEndpoint.ServedConnectionCount == 1, Guard), Is.True);

        // Pings, never reading the Pongs: once the socket buffers are full the server's write blocks, and it gives up.
        byte[] pings = [.. Enumerable.Repeat(RawPeer.Header(FrameKind.Ping, 0, 0, 0, 1, 0), 1024).SelectMany(p => p)];
        var clock = Stopwatch.StartNew();
        Assert.Throws<IOException>(() =>
        {
            while (clock.Elapsed < Guard)
            {
                peer.Stream.Write(pings);
            }
        }, "the server closed the connection");
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(8)), "closed by the server, not our own 10 s write timeout");
        Assert.That(SpinWait.SpinUntil(() => bed.ServerEndpoint.ServedConnectionCount == 0, Guard), Is.True);
        Assert.That(bed.Open("pull").Send([1], Guard), Is.EqualTo(HoseStatus.Ok), "the server keeps serving");
    }

    [Test]
    public void ShareKeepsALargeMessageOutWhileAnotherConnectionReceives()
    {
        string folder = TestPool.NewFolder();
        using var pool = TestPool.Create(folder);
        var share = new ReceiveShare(pool, 0.5);
        Assert.That(share.Bytes, Is.EqualTo(8 * 1024 * 1024));

        Assert.That(share.Enter(4 * 1024 * 1024, TimeSpan.Zero, default), Is.True, "within the share");
        Assert.That(share.Enter(4 * 1024 * 1024, TimeSpan.Zero, default), Is.True, "within the share, beside another");
        Assert.That(share.Enter(12 * 1024 * 1024, TimeSpan.FromMilliseconds(50), default), Is.False, "over the share while others receive");
        share.Exit();
        share.Exit();
        Assert.That(share.Enter(12 * 1024 * 1024, TimeSpan.Zero, default), Is.True, "over the share, but alone");
        share.Exit();
        pool.Dispose();
        TestPool.Delete(folder);
    }

    private static async Task Trickle(RawPeer peer, CancellationToken cancel)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        try
        {
            while (await timer.WaitForNextTickAsync(cancel))
            {
                peer.Stream.WriteByte(1);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // stopped, or dropped by the server
        }
    }

    /// <summary>Counts roadrunner.net.connections_dropped with reason too_slow while alive.</summary>
    private sealed class DropCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private int _tooSlow;

        public DropCounter()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == RoadrunnerMetrics.MeterName && instrument.Name == "roadrunner.net.connections_dropped")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (KeyValuePair<string, object?> tag in tags)
                {
                    if (tag is { Key: "reason", Value: "too_slow" })
                    {
                        Interlocked.Add(ref _tooSlow, (int)value);
                    }
                }
            });
            _listener.Start();
        }

        public int TooSlow => Volatile.Read(ref _tooSlow);

        public void Dispose() => _listener.Dispose();
    }
}
