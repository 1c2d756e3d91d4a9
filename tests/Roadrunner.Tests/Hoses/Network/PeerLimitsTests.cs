using System.Net;
using System.Net.Sockets;
using System.Text;
using Roadrunner.Hoses;
using Roadrunner.Hoses.Network;

namespace Roadrunner.Tests.Hoses.Network;

/// <summary>Limits the two ends set differently are exchanged in the handshake or refused per message (issue 12, case 3).</summary>
[CancelAfter(60_000)]
public class PeerLimitsTests
{
    private const int MiB = 1024 * 1024;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Test]
    public async Task OverTheReceiversMaximumIsTooLargeBeforeAnyByteAndTheConnectionStays()
    {
        await using var bed = NetworkTestbed.Start(server: o => o.MaxPayloadBytes = MiB);
        var sender = (NetworkSender)bed.Open("pull");
        IHoseSender other = bed.Open("pull2");
        Assert.That(sender.Send([1], Wait), Is.EqualTo(HoseStatus.Ok));
        NetworkConnection connection = bed.Client.LinkTo(bed.ServerAddress)!.Current!;

        Assert.That(sender.Send(new byte[2 * MiB], Wait), Is.EqualTo(HoseStatus.TooLarge));
        Assert.That(connection.Open("pull", Deadline.After(Wait), default, out ClientHose hose), Is.EqualTo(HoseStatus.Ok));
        Assert.That(hose.Sequence, Is.EqualTo(1UL), "the refused message was never written");

        Assert.That(sender.Send(new byte[MiB / 2], Wait), Is.EqualTo(HoseStatus.Ok), "same hose");
        Assert.That(other.Send(new byte[MiB / 2], Wait), Is.EqualTo(HoseStatus.Ok), "another hose on the same connection");
        Assert.That(bed.Client.LinkTo(bed.ServerAddress)!.Current, Is.SameAs(connection), "the connection was not torn down");
        Assert.That(bed.Client.LinkTo(bed.ServerAddress)!.Connects, Is.EqualTo(1));
        Assert.That(bed.TakeFrom("pull"), Has.Length.EqualTo(1));
        Assert.That(bed.TakeFrom("pull"), Has.Length.EqualTo(MiB / 2));
        Assert.That(bed.TakeFrom("pull2"), Has.Length.EqualTo(MiB / 2));
    }

    [Test]
    public async Task TheLimitsExchangedAreThePeers()
    {
        await using var bed = NetworkTestbed.Start(server: o =>
        {
            o.MaxFrameBytes = 64 * 1024;
            o.MaxPayloadBytes = 3 * MiB;
            o.DeliveryTimeout = TimeSpan.FromSeconds(3);
            o.IdleTimeout = TimeSpan.FromSeconds(7);
            o.MaxHosesPerConnection = 9;
            o.MinReceiveBytesPerSecond = 1000;
            o.MinReceiveRateGracePeriod = TimeSpan.FromSeconds(4);
        });

        // A 2 MiB message to a receiver whose frames are at most 64 KiB: the sender cuts its frames to the peer's size.
        Assert.That(bed.Open("pull").Send(new byte[2 * MiB], Wait), Is.EqualTo(HoseStatus.Ok));
        Assert.That(bed.TakeFrom("pull"), Has.Length.EqualTo(2 * MiB));

        PeerLimits limits = bed.Client.LinkTo(bed.ServerAddress)!.Current!.Limits;
        Assert.That(limits, Is.EqualTo(new PeerLimits(64 * 1024, 3 * MiB, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(7), 9, 1000, TimeSpan.FromSeconds(4))));
    }

    [Test]
    public async Task TheSmallerOfBothEndsLimitsIsKept()
    {
        await using var bed = NetworkTestbed.Start(
            server: o => o.IdleTimeout = TimeSpan.FromSeconds(30),
            client: o =>
            {
                o.MaxFrameBytes = 8 * 1024;
                o.MaxPayloadBytes = MiB;
                o.IdleTimeout = TimeSpan.FromSeconds(20);
            });
        Assert.That(bed.Open("pull").Send(new byte[MiB], Wait), Is.EqualTo(HoseStatus.Ok));
        PeerLimits limits = bed.Client.LinkTo(bed.ServerAddress)!.Current!.Limits;
        Assert.That((limits.MaxFrameBytes, limits.MaxPayloadBytes, limits.IdleTimeout), Is.EqualTo((8 * 1024, (long)MiB, TimeSpan.FromSeconds(20))));
    }

    [Test]
    public async Task AMessageOverTheMaximumThatArrivesAnywayIsTooLargeAndSkipped()
    {
        // An old or lying sender ignores the Welcome: the message is answered TooLarge and its bytes skipped.
        await using var bed = NetworkTestbed.Start(server: o =>
        {
            o.MaxPayloadBytes = MiB;
            o.MaxFrameBytes = MiB;
        });
        using var peer = new RawPeer(bed);
        Assert.That(peer.Open(1, "pull"), Is.EqualTo(HoseStatus.Ok));
        Assert.That(peer.Open(2, "pull2"), Is.EqualTo(HoseStatus.Ok));

        peer.WriteMessage(1, 1, new byte[2 * MiB], MiB);
        Assert.That(peer.ReadAck(1, 1), Is.EqualTo(HoseStatus.TooLarge));
        byte[] payload = [.. Enumerable.Range(0, MiB / 2).Select(i => (byte)i)];
        peer.WriteMessage(1, 2, payload, MiB);
        Assert.That(peer.ReadAck(1, 2), Is.EqualTo(HoseStatus.Ok), "same hose, same connection");
        peer.WriteMessage(2, 1, payload, MiB);
        Assert.That(peer.ReadAck(2, 1), Is.EqualTo(HoseStatus.Ok), "another hose");
        Assert.That(bed.TakeFrom("pull"), Is.EqualTo(payload));
        Assert.That(bed.TakeFrom("pull"), Is.Null, "the refused message was not delivered");
        Assert.That(bed.TakeFrom("pull2"), Is.EqualTo(payload));
    }

    [Test]
    public async Task OverATargetsOwnLimitIsTooLargeForThatMessageOnly()
    {
        // A target's limits (its inbox's maximum payload, the pool's budget) are not in the handshake: refused per message.
        await using var bed = NetworkTestbed.Start(host: h => h.Guest.Inbox.MaxPayloadBytes = MiB);
        IHoseSender sender = bed.Open("pull");
        Assert.That(sender.Send(new byte[2 * MiB], Wait), Is.EqualTo(HoseStatus.TooLarge), "over the inbox's limit");
        Assert.That(sender.Send(new byte[MiB / 2], Wait), Is.EqualTo(HoseStatus.Ok));
        Assert.That(bed.Open("pull2").Send([7], Wait), Is.EqualTo(HoseStatus.Ok));
        Assert.That(bed.Client.LinkTo(bed.ServerAddress)!.Connects, Is.EqualTo(1), "the connection was kept");
        Assert.That(bed.TakeFrom("pull"), Has.Length.EqualTo(MiB / 2));
        Assert.That(bed.TakeFrom("pull"), Is.Null);
    }

    [Test]
    public async Task OverThePoolsBudgetIsTooLargeForThatMessageOnly()
    {
        await using var bed = NetworkTestbed.Start();
        IHoseSender sender = bed.Open("pull");
        Assert.That(sender.Send(new byte[65 * MiB], Wait), Is.EqualTo(HoseStatus.TooLarge), "over the pool's 64 MiB budget");
        Assert.That(bed.Server.Pool.LeasedBytes, Is.Zero, "nothing of it stayed rented");
        Assert.That(sender.Send(new byte[MiB / 2], Wait), Is.EqualTo(HoseStatus.Ok));
        Assert.That(bed.Client.LinkTo(bed.ServerAddress)!.Connects, Is.EqualTo(1), "the connection was kept");
        Assert.That(bed.TakeFrom("pull"), Has.Length.EqualTo(MiB / 2));
    }

    [Test]
    public async Task OverTheHoseLimitTheOpenIsRefusedNotTheConnection()
    {
        await using var bed = NetworkTestbed.Start(server: o => o.MaxHosesPerConnection = 1);
        IHoseSender first = bed.Open("pull");
        Assert.That(first.Send([1], Wait), Is.EqualTo(HoseStatus.Ok));
        Assert.That(bed.Open("pull2").Send([2], Wait), Is.EqualTo(HoseStatus.TooManyHandles));
        Assert.That(first.Send([3], Wait), Is.EqualTo(HoseStatus.Ok));
        Assert.That(bed.Client.LinkTo(bed.ServerAddress)!.Connects, Is.EqualTo(1));
    }

    [Test]
    public async Task AnOlderVersionsHelloIsRefusedWithTheReason()
    {
        await using var bed = NetworkTestbed.Start();
        using var peer = new RawPeer(bed, authenticate: false);
        byte[] hello = RawPeer.Header(FrameKind.Hello, 0, 0, 32, 0, 0);
        hello[4] = 1; // version 1, as a node of the previous release sends it
        peer.Stream.Write([.. hello, .. new byte[32]]);

        var head = new byte[FrameHeader.Size];
        peer.Stream.ReadExactly(head);
        FrameHeader goodbye = FrameHeader.Read(head, 1024);
        Assert.That(goodbye.Kind, Is.EqualTo(FrameKind.Goodbye));
        var reason = new byte[goodbye.Length];
        peer.Stream.ReadExactly(reason);
        Assert.That(Encoding.UTF8.GetString(reason), Does.Contain("version 2").And.Contain("version 1"));
        Assert.That(NetworkTestbed.IsDropped(peer.Stream), Is.True);
    }

    [Test]
    public void APeerThatClosesOnOurHelloIsReportedAsMaybeOlder()
    {
        // What a node of protocol version 1 does with a version-2 Hello: reads it and closes without a word.
        using var old = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        old.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        old.Listen(1);
        Task server = Task.Run(() =>
        {
            using Socket accepted = old.Accept();
            var hello = new byte[FrameHeader.Size + 32];
            int read = 0;
            while (read < hello.Length)
            {
                read += accepted.Receive(hello.AsSpan(read));
            }
        });

        NetworkOptions options = NetworkTestbed.Options();
        var e = Assert.Throws<AuthenticationFailedException>(() => NetworkConnection.Connect(old.LocalEndPoint!, options, TimeSpan.FromSeconds(10)));
        Assert.That(e!.Message, Does.Contain("older network protocol than version 2"));
        Assert.That(server.Wait(Wait), Is.True);
    }

    [Test]
    public void PeerLimitsRoundTripAndNonsenseIsRefused()
    {
        var limits = new PeerLimits(8192, 5 * MiB, TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(3), 77, 240, TimeSpan.FromSeconds(5));
        Assert.That(PeerLimits.Read(limits.ToArray()), Is.EqualTo(limits));
        Assert.That(limits.Admit(5 * MiB), Is.EqualTo(HoseStatus.Ok));
        Assert.That(limits.Admit((5 * MiB) + 1), Is.EqualTo(HoseStatus.TooLarge));
        Assert.Throws<AuthenticationFailedException>(() => PeerLimits.Read((limits with { MaxFrameBytes = 100 }).ToArray()));
        Assert.Throws<AuthenticationFailedException>(() => PeerLimits.Read(new byte[PeerLimits.Size - 1]));
    }
}
