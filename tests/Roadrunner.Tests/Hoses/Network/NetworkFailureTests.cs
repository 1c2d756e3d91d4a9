using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Roadrunner.Hoses.Network;
using Roadrunner.Tests.Support;
using Roadrunner.Workloads;

namespace Roadrunner.Tests.Hoses.Network;

[CancelAfter(60_000)]
public class NetworkFailureTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Test]
    public async Task StalledReceiverSlowsTheSenderAndNothingBuffersWithoutBound()
    {
        // Nobody takes from "pull" and its inbox holds 2 payloads: the third waits on the receiver, never in a buffer.
        await using var bed = NetworkTestbed.Start(
            server: o => o.DeliveryTimeout = TimeSpan.FromMilliseconds(500),
            client: o => o.DeliveryTimeout = TimeSpan.FromMilliseconds(500),
            host: h => h.Guest.Inbox.MaxQueuedPayloads = 2);
        IHoseSender sender = bed.Open("pull");
        byte[] payload = new byte[50_000];
        Assert.That(sender.Send(payload, Wait), Is.EqualTo(HoseStatus.Ok));
        Assert.That(sender.Send(payload, Wait), Is.EqualTo(HoseStatus.Ok));

        var clock = Stopwatch.StartNew();
        Assert.That(sender.Send(payload, Wait), Is.EqualTo(HoseStatus.TimedOut), "the receiver had no room within its delivery timeout");
        Assert.That(clock.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(400)), "the sender was held back");
        Assert.That(bed.Server.Pool.LeasedBytes, Is.EqualTo(2 * bed.Server.Pool.FootprintOf(payload.Length)), "only the two queued payloads hold memory");

        // The receiver drains one: room again, and the connection is still good.
        Assert.That(bed.TakeFrom("pull"), Is.Not.Null);
        Assert.That(sender.Send(payload, Wait), Is.EqualTo(HoseStatus.Ok));
        Assert.That(bed.Client.LinkTo(bed.ServerAddress)!.Connects, Is.EqualTo(1));
    }

    [Test]
    public async Task CreditWindowBoundsBytesInFlightPerHose()
    {
        await using var bed = NetworkTestbed.Start(client: o => o.HoseWindowBytes = 100_000);
        var sender = (NetworkSender)bed.Open("pull");
        Assert.That(sender.Send(new byte[60_000], Wait), Is.EqualTo(HoseStatus.Ok));
        Assert.That(sender.Window.InFlight, Is.Zero, "credit comes back with the ack");

        // Hold 60 000 bytes of credit as an in-flight message would: a second 60 000-byte message cannot start.
        Assert.That(sender.Window.TryTake(60_000), Is.True);
        Assert.That(sender.Send(new byte[60_000], TimeSpan.FromMilliseconds(200)), Is.EqualTo(HoseStatus.TimedOut));
        sender.Window.Return(60_000);
        Assert.That(sender.Send(new byte[60_000], Wait), Is.EqualTo(HoseStatus.Ok));
        Assert.That(bed.TakeFrom("pull"), Has.Length.EqualTo(60_000));
        Assert.That(bed.TakeFrom("pull"), Has.Length.EqualTo(60_000));
        Assert.That(bed.TakeFrom("pull"), Is.Null, "the message that timed out waiting for credit was never sent");
    }

    [Test]
    public async Task ReconnectsAfterTheConnectionDrops()
    {
        // No backoff to speak of: the send right after the restart must not fall into the backoff of the refused attempt.
        await using var bed = NetworkTestbed.Start(client: o => o.ReconnectInitialDelay = TimeSpan.FromTicks(1));
        IHoseSender sender = bed.Open("pull");
        Assert.That(sender.Send([1], Wait), Is.EqualTo(HoseStatus.Ok));
        PeerLink link = bed.Client.LinkTo(bed.ServerAddress)!;

        link.Break();
        Assert.That(sender.Send([2], Wait), Is.EqualTo(HoseStatus.Ok));
        Assert.That(link.Connects, Is.EqualTo(2));

        // The server goes away: the sender is told, quickly; once it is back, the next send reconnects.
        await bed.StopServerEndpointAsync();
        Assert.That(sender.Send([3], TimeSpan.FromMilliseconds(500)), Is.EqualTo(HoseStatus.PeerFailed), "refused: the peer is down");
        await bed.RestartServerEndpointAsync();
        Assert.That(sender.Send([4], Wait), Is.EqualTo(HoseStatus.Ok));
        Assert.That(link.Connects, Is.EqualTo(3));

        Assert.That(bed.TakeFrom("pull"), Is.EqualTo(new byte[] { 1 }));
        Assert.That(bed.TakeFrom("pull"), Is.EqualTo(new byte[] { 2 }));
        Assert.That(bed.TakeFrom("pull"), Is.EqualTo(new byte[] { 4 }), "the failed message was not delivered later");
        Assert.That(bed.TakeFrom("pull"), Is.Null, "nothing delivered twice");
    }

    [Test]
    public async Task WrongKeyIsRefusedAndNoPayloadIsDelivered()
    {
        await using var bed = NetworkTestbed.Start(client: o => o.PreSharedKey = Encoding.ASCII.GetBytes("not the right key at all"));
        Assert.That(bed.Open("push").Send(new byte[100], Wait), Is.EqualTo(HoseStatus.PeerFailed));
        Assert.That(bed.Open("pull").Send(new byte[100], Wait), Is.EqualTo(HoseStatus.PeerFailed));
        Assert.That(bed.PushCount(), Is.Zero);
        Assert.That(bed.TakeFrom("pull"), Is.Null);
    }

    [Test]
    public async Task UnauthenticatedDataIsDroppedBeforeAnyDelivery()
    {
        await using var bed = NetworkTestbed.Start();
        using Socket socket = bed.Connect(authenticate: false, out NetworkStream stream);
        stream.Write(Open(1, "pull"));
        stream.Write(Data(1, 1, [1, 2, 3]));
        Assert.That(NetworkTestbed.IsDropped(stream), Is.True);
        Assert.That(bed.TakeFrom("pull"), Is.Null);
    }

    public static IEnumerable<TestCaseData> MalformedFrames()
    {
        byte[] good = Data(1, 1, [1, 2, 3, 4]);
        yield return new TestCaseData(Patch(good, 0, 0x00)).SetName("BadMagic");
        yield return new TestCaseData(Patch(good, 4, 9)).SetName("UnknownVersion");
        yield return new TestCaseData(Patch(good, 5, 77)).SetName("UnknownKind");
        yield return new TestCaseData(Patch(good, 7, 0x80)).SetName("UnknownFlags");
        yield return new TestCaseData(Data(2, 1, [1, 2, 3])).SetName("DataForAHoseNeverOpened");
        yield return new TestCaseData(Data(1, 5, [1, 2, 3])).SetName("SequenceGap");
        yield return new TestCaseData(Header(FrameKind.Data, FrameFlags.First | FrameFlags.Last, 1, 2_000_000, 1, 2_000_000)).SetName("FrameOverTheMaximum");
        yield return new TestCaseData(Concat(Header(FrameKind.Data, FrameFlags.First | FrameFlags.Last, 1, 4, 1, 10), [1, 2, 3, 4])).SetName("LastFlagBeforeTheDeclaredLength");
        yield return new TestCaseData(Concat(Header(FrameKind.Data, FrameFlags.First, 1, 4, 1, 4), [1, 2, 3, 4])).SetName("FullLengthWithoutLastFlag");
        yield return new TestCaseData(Concat(Header(FrameKind.Data, FrameFlags.First, 1, 2, 1, 4), [1, 2], Header(FrameKind.Data, FrameFlags.Last, 1, 4, 1, 0), [3, 4, 5, 6])).SetName("FramesLongerThanTheMessage");
        yield return new TestCaseData(Concat(Header(FrameKind.Data, FrameFlags.First, 1, 2, 1, 4), [1, 2], Header(FrameKind.Ping, 0, 0, 0, 0, 0))).SetName("OtherFrameInsideAMessage");
        yield return new TestCaseData(Patch(good, 24, 0x55, FrameFlags.Checksummed)).SetName("ChecksumMismatch");
        yield return new TestCaseData(Header(FrameKind.Data, FrameFlags.First | FrameFlags.Last, 1, 1000, 1, 1000).Concat(new byte[10]).ToArray()).SetName("TruncatedFrame");
        yield return new TestCaseData(Header(FrameKind.Hello, 0, 0, 32, 0, 0).Concat(new byte[32]).ToArray()).SetName("HandshakeFrameAfterTheHandshake");
    }

    [TestCaseSource(nameof(MalformedFrames))]
    public async Task MalformedFrameDropsOnlyThatConnection(byte[] frame)
    {
        await using var bed = NetworkTestbed.Start(server: o =>
        {
            o.MaxFrameBytes = 1024 * 1024;
            o.MaxPayloadBytes = 2_000_000;
        });
        IHoseSender healthy = bed.Open("pull2");
        Assert.That(healthy.Send([7], Wait), Is.EqualTo(HoseStatus.Ok));

        using (Socket socket = bed.Connect(authenticate: true, out NetworkStream stream))
        {
            stream.Write(Open(1, "pull"));
            var ack = new byte[FrameHeader.Size];
            stream.ReadExactly(ack);
            Assert.That(FrameHeader.Read(ack, 0).Kind, Is.EqualTo(FrameKind.Ack));
            stream.Write(frame);
            socket.Shutdown(SocketShutdown.Send); // a truncated frame ends here
            Assert.That(NetworkTestbed.IsDropped(stream), Is.True);
        }

        Assert.That(bed.TakeFrom("pull"), Is.Null, "nothing from the bad connection was delivered");
        Assert.That(healthy.Send([8], Wait), Is.EqualTo(HoseStatus.Ok), "other connections are unaffected");
        Assert.That(bed.TakeFrom("pull2"), Is.EqualTo(new byte[] { 7 }));
        Assert.That(bed.TakeFrom("pull2"), Is.EqualTo(new byte[] { 8 }));
    }

    [Test]
    public async Task RandomBytesAtThePortAreDroppedAndTheServerKeepsServing()
    {
        await using var bed = NetworkTestbed.Start();
        IHoseSender healthy = bed.Open("pull");
        var random = new Random(1234);
        for (int i = 0; i < 30; i++)
        {
            bool authenticate = i % 3 == 2;
            using Socket socket = bed.Connect(authenticate, out NetworkStream stream);
            byte[] junk = new byte[random.Next(1, 8192)];
            random.NextBytes(junk);
            stream.Write(junk);
            socket.Shutdown(SocketShutdown.Send);
            Assert.That(NetworkTestbed.IsDropped(stream), Is.True, $"connection {i}");
            Assert.That(healthy.Send([(byte)i], Wait), Is.EqualTo(HoseStatus.Ok), $"after connection {i}");
        }

        Assert.That(bed.PushCount(), Is.Zero);
        for (int i = 0; i < 30; i++)
        {
            Assert.That(bed.TakeFrom("pull"), Is.EqualTo(new[] { (byte)i }));
        }
    }

    [Test]
    public async Task SilentPeerIsDroppedAfterTheHandshakeTimeout()
    {
        await using var bed = NetworkTestbed.Start(server: o => o.HandshakeTimeout = TimeSpan.FromMilliseconds(300));
        using Socket socket = bed.Connect(authenticate: false, out NetworkStream stream);
        var clock = Stopwatch.StartNew();
        Assert.That(NetworkTestbed.IsDropped(stream), Is.True);
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(8)));
    }

    [Test]
    public async Task PeerThatStallsInsideAFrameIsDropped()
    {
        await using var bed = NetworkTestbed.Start(server: o => o.FrameTimeout = TimeSpan.FromMilliseconds(300));
        using Socket socket = bed.Connect(authenticate: true, out NetworkStream stream);
        stream.Write(Open(1, "pull"));
        stream.ReadExactly(new byte[FrameHeader.Size]);
        stream.Write(Header(FrameKind.Data, FrameFlags.First | FrameFlags.Last, 1, 100_000, 1, 100_000));
        stream.Write(new byte[70_000]); // then nothing: the rest never comes
        Assert.That(NetworkTestbed.IsDropped(stream), Is.True);
        Assert.That(bed.TakeFrom("pull"), Is.Null);
        Assert.That(bed.Server.Pool.LeasedBytes, Is.Zero, "the half-read message gave its regions back");
    }

    [Test]
    public async Task IdleAuthenticatedPeerIsDropped()
    {
        await using var bed = NetworkTestbed.Start(server: o => o.IdleTimeout = TimeSpan.FromMilliseconds(300));
        using Socket socket = bed.Connect(authenticate: true, out NetworkStream stream);
        Assert.That(NetworkTestbed.IsDropped(stream), Is.True);
    }

    [Test]
    public async Task PeerKilledMidTransferIsReportedThenReachedAgainAfterRestart()
    {
        CancellationToken cancel = TestContext.CurrentContext.CancellationToken;
        await using NetworkChain chain = await NetworkChain.StartAsync(checksums: true, cancel);

        byte[] payload = new byte[1_000_000];
        Checksum.FillPattern(payload, 11);
        Assert.That(chain.Send("consumer", payload, Wait), Is.EqualTo(HoseStatus.Ok));
        Assert.That(await chain.ConsumerChecksumAsync(), Is.EqualTo((Checksum.Compute(payload), payload.Length)), "checksummed in the other process");

        // "stall" holds the message without acknowledging it; kill the peer while the sender waits for the ack.
        Task<HoseStatus> inFlight = Task.Run(() => chain.Send("stall", payload, TimeSpan.FromSeconds(30)), cancel);
        while (await chain.Peer.RequestAsync("stalled", cancel) != "1")
        {
            Assert.That(inFlight.IsCompleted, Is.False, "the stalled send must not finish on its own");
        }

        chain.Peer.Kill();
        Assert.That(await inFlight.WaitAsync(cancel), Is.EqualTo(HoseStatus.PeerFailed));
        Assert.That(chain.Send("consumer", payload, TimeSpan.FromSeconds(1)), Is.EqualTo(HoseStatus.Closed).Or.EqualTo(HoseStatus.PeerFailed), "the peer is gone");
    }

    private static byte[] Header(FrameKind kind, FrameFlags flags, uint hose, uint length, ulong sequence, uint extra) =>
        new FrameHeader(kind, flags, hose, length, sequence, 0, extra).ToArray();

    private static byte[] Open(uint hose, string name)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(name);
        return Concat(Header(FrameKind.Open, 0, hose, (uint)bytes.Length, 0, 0), bytes);
    }

    private static byte[] Data(uint hose, ulong sequence, byte[] body) =>
        Concat(Header(FrameKind.Data, FrameFlags.First | FrameFlags.Last, hose, (uint)body.Length, sequence, (uint)body.Length), body);

    private static byte[] Patch(byte[] frame, int offset, byte value, FrameFlags addFlags = 0)
    {
        byte[] copy = [.. frame];
        copy[offset] = value;
        copy[6] |= (byte)addFlags;
        return copy;
    }

    private static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];
}
