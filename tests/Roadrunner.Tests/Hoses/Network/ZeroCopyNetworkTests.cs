using System.Net;
using System.Runtime.Versioning;
using Roadrunner.Hosting;
using Roadrunner.Hoses.Network;
using Roadrunner.Tests.Support;
using Roadrunner.Tests.Wasm;

namespace Roadrunner.Tests.Hoses.Network;

/// <summary>
/// Over the network a busy receiver's payload is read from the socket into regions (the kernel's copy) and, when the
/// receiver exports <c>rr_alloc_window</c>, mapped into it when it gets to it: no copy on the receiving host. A guest's
/// committed window goes out with <c>sendfile</c> from its memory file: no copy on the sending host.
/// </summary>
[SupportedOSPlatform("linux")]
public class ZeroCopyNetworkTests : FolderTest
{
    private const int Length = 3 * 1024 * 1024;

    [Test]
    public async Task AQueuedNetworkPayloadIsMappedIntoTheReceiver()
    {
        using var metrics = new MetricRecorder();
        await using var bed = NetworkTestbed.Start(host: o => ZeroCopyHopTests.ZeroCopy(o, regions: false), extraGuestName: "zc", extraGuestWat: ZeroCopyGuest.Wat);
        var receiver = new ZeroCopyGuest(bed.Server["zc"]);
        uint window = receiver.NewWindow(Length);
        receiver.SetWindow(window);
        byte[] payload = Payloads.Random(Length, seed: 8);

        await using (await GateHolder.HoldAsync(receiver.Function, TimeSpan.FromSeconds(15)))
        {
            Assert.That(bed.Open("zc").Send(payload, TimeSpan.FromSeconds(15)), Is.EqualTo(HoseStatus.Ok), "acknowledged once queued");
        }

        Assert.Multiple(() =>
        {
            Assert.That(receiver.Get("count"), Is.EqualTo(1), "pushed when the gate was left");
            Assert.That(receiver.Get("sum"), Is.EqualTo(ZeroCopyGuest.Checksum(payload)));
            Assert.That((uint)receiver.Get("ptr"), Is.EqualTo(window), "mapped into the window");
            Assert.That(metrics.Total("roadrunner.guest.transfers|function=zc|transfer=mapped"), Is.EqualTo(1));
        });
    }

    [TestCase(long.MaxValue, "copied")]
    [TestCase(0L, "mapped")]
    public async Task AnIdleReceiverGetsTheSocketReadIntoItsMemoryOrFromRegionsMapped(long mappedReceiveThreshold, string transfer)
    {
        using var metrics = new MetricRecorder();
        await using var bed = NetworkTestbed.Start(
            server: o => o.MappedReceiveThresholdBytes = mappedReceiveThreshold,
            host: o => ZeroCopyHopTests.ZeroCopy(o, regions: false),
            extraGuestName: "zc",
            extraGuestWat: ZeroCopyGuest.Wat);
        var receiver = new ZeroCopyGuest(bed.Server["zc"]);
        uint window = receiver.NewWindow(Length);
        receiver.SetWindow(window);
        byte[] payload = Payloads.Random(Length, seed: 9);

        Assert.That(bed.Open("zc").Send(payload, WaitLimit), Is.EqualTo(HoseStatus.Ok));

        Assert.Multiple(() =>
        {
            Assert.That(receiver.Get("count"), Is.EqualTo(1), "run before the Ack");
            Assert.That(receiver.Get("sum"), Is.EqualTo(ZeroCopyGuest.Checksum(payload)));
            Assert.That(metrics.Total($"roadrunner.guest.transfers|function=zc|transfer={transfer}"), Is.EqualTo(1));
            Assert.That((uint)receiver.Get("ptr") == window, Is.EqualTo(transfer == "mapped"), "mapped into the window, else read into rr_alloc's buffer");
        });
    }

    [Test]
    public async Task ACommittedWindowGoesOutWithSendFileFromTheMemoryFile()
    {
        using var spans = new SpanRecorder();
        await using var bed = NetworkTestbed.Start(extraGuestName: "zc", extraGuestWat: ZeroCopyGuest.Wat);
        var receiver = new ZeroCopyGuest(bed.Server["zc"]);
        var sender = Sender(bed.Resolver, inFiles: true, out int handle);
        uint window = sender.NewWindow(Length);
        byte[] payload = Payloads.Random(Length, seed: 11);

        Assert.That(ClaimWriteCommit(sender, handle, window, payload), Is.Zero);

        Assert.Multiple(() =>
        {
            Assert.That(receiver.Get("count"), Is.EqualTo(1), "delivered (acknowledged) before commit returned");
            Assert.That(receiver.Get("len"), Is.EqualTo(Length));
            Assert.That(receiver.Get("sum"), Is.EqualTo(ZeroCopyGuest.Checksum(payload)), "checksum (and every frame's CRC-32C)");
            Assert.That(spans.Single("roadrunner.send", "zc").GetTagItem("roadrunner.path"), Is.EqualTo("sendfile"));
        });
    }

    [Test]
    public async Task AWindowNotInAFileIsWrittenFromMemory()
    {
        using var spans = new SpanRecorder();
        await using var bed = NetworkTestbed.Start(extraGuestName: "zc", extraGuestWat: ZeroCopyGuest.Wat);
        var receiver = new ZeroCopyGuest(bed.Server["zc"]);
        var sender = Sender(bed.Resolver, inFiles: false, out int handle);
        uint window = sender.NewWindow(Length);
        byte[] payload = Payloads.Random(Length, seed: 12);

        Assert.That(ClaimWriteCommit(sender, handle, window, payload), Is.Zero);

        Assert.Multiple(() =>
        {
            Assert.That(receiver.Get("sum"), Is.EqualTo(ZeroCopyGuest.Checksum(payload)));
            Assert.That(spans.Single("roadrunner.send", "zc").GetTagItem("roadrunner.path"), Is.Null, "no sendfile");
        });
    }

    [Test]
    public async Task AFanOutSendsTheWindowToEveryNodeWithSendFile()
    {
        using var spans = new SpanRecorder();
        await using var first = NetworkTestbed.Start(extraGuestName: "zc", extraGuestWat: ZeroCopyGuest.Wat);
        await using var second = NetworkTestbed.Start(extraGuestName: "zc", extraGuestWat: ZeroCopyGuest.Wat);
        var sender = Sender(new StaticResolver().Add("zc", first.ServerAddress, second.ServerAddress), inFiles: true, out int handle);
        uint window = sender.NewWindow(Length);
        byte[] payload = Payloads.Random(Length, seed: 15);

        Assert.That(ClaimWriteCommit(sender, handle, window, payload), Is.Zero);

        Assert.Multiple(() =>
        {
            Assert.That(new ZeroCopyGuest(first.Server["zc"]).Get("sum"), Is.EqualTo(ZeroCopyGuest.Checksum(payload)), "first node");
            Assert.That(new ZeroCopyGuest(second.Server["zc"]).Get("sum"), Is.EqualTo(ZeroCopyGuest.Checksum(payload)), "second node");
            Assert.That(spans.All("roadrunner.send", "zc").Count(s => Equals(s.GetTagItem("roadrunner.path"), "sendfile")), Is.EqualTo(2), "one sendfile send per node");
        });
    }

    [Test]
    public async Task OverTlsTheWindowIsWrittenThroughTheTlsStream()
    {
        using var spans = new SpanRecorder();
        using System.Security.Cryptography.X509Certificates.X509Certificate2 certificate = NetworkHoseTests.SelfSigned();
        string thumbprint = certificate.Thumbprint;
        await using var bed = NetworkTestbed.Start(
            server: o => o.ServerTls = new System.Net.Security.SslServerAuthenticationOptions { ServerCertificate = certificate },
            extraGuestName: "zc",
            extraGuestWat: ZeroCopyGuest.Wat);
        var receiver = new ZeroCopyGuest(bed.Server["zc"]);
        var sender = Sender(bed.Resolver, inFiles: true, out int handle, tls: new System.Net.Security.SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            RemoteCertificateValidationCallback = (_, cert, _, _) => cert is System.Security.Cryptography.X509Certificates.X509Certificate2 c && c.Thumbprint == thumbprint,
        });
        uint window = sender.NewWindow(Length);
        byte[] payload = Payloads.Random(Length, seed: 16);

        Assert.That(ClaimWriteCommit(sender, handle, window, payload), Is.Zero);

        Assert.Multiple(() =>
        {
            Assert.That(receiver.Get("sum"), Is.EqualTo(ZeroCopyGuest.Checksum(payload)));
            Assert.That(spans.Single("roadrunner.send", "zc").GetTagItem("roadrunner.path"), Is.Null, "no sendfile under TLS");
        });
    }

    [Test]
    public async Task WritingTheWindowRightAfterCommitDoesNotChangeWhatTheReceiverGets()
    {
        await using var bed = NetworkTestbed.Start(extraGuestName: "zc", extraGuestWat: ZeroCopyGuest.Wat);
        var receiver = new ZeroCopyGuest(bed.Server["zc"]);
        var sender = Sender(bed.Resolver, inFiles: true, out int handle);
        uint window = sender.NewWindow(Length);
        byte[] payload = Payloads.Random(Length, seed: 13);

        await using (await GateHolder.HoldAsync(receiver.Function, WaitLimit))
        {
            Assert.That(ClaimWriteCommit(sender, handle, window, payload), Is.Zero, "acknowledged once queued at the receiver");
            sender.Write(window, Enumerable.Repeat((byte)0xEE, Length).ToArray());
        }

        Assert.That(receiver.Get("sum"), Is.EqualTo(ZeroCopyGuest.Checksum(payload)), "the bytes committed, not the later ones");
    }

    [Test]
    public async Task AfterASendWithoutAckTheSocketCannotCarryTheGuestsLaterWrites()
    {
        // A receiver that reads nothing: the send gives up (no Ack) with part of the window still in the sockets.
        const int Big = 32 * 1024 * 1024;
        using var server = new RawServer(expected: 0x11);
        var sender = Sender(new StaticResolver().Add("zc", server.Address), inFiles: true, out int handle, sendTimeout: TimeSpan.FromMilliseconds(500));
        uint window = sender.NewWindow(Big);
        sender.Write(window, Enumerable.Repeat((byte)0x11, Big).ToArray());

        Assert.That(sender.Claim(handle, window, Big), Is.Zero);
        int status = sender.Commit(handle, window, Big);
        sender.Write(window, Enumerable.Repeat((byte)0xEE, Big).ToArray());
        server.Go.Set();

        Assert.That(server.Done.Wait(WaitLimit), Is.True);
        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo((int)HoseStatus.TimedOut).Or.EqualTo((int)HoseStatus.PeerFailed), "not delivered, or unknown");
            Assert.That(server.Error, Is.Null);
            Assert.That(server.BodyBytes, Is.GreaterThan(0), "some of the window was in flight when the guest wrote it");
            Assert.That(server.Changed, Is.Zero, "no byte the guest wrote after commit reached the receiver");
        });
    }

    [Test]
    public async Task APeerThatDiesMidSendIsPeerFailedAndTheWindowIsUsableAgain()
    {
        const int Big = 16 * 1024 * 1024;
        await using var bed = NetworkTestbed.Start(extraGuestName: "zc", extraGuestWat: ZeroCopyGuest.Wat);
        var receiver = new ZeroCopyGuest(bed.Server["zc"]);
        using var server = new RawServer(dieAfter: 1024 * 1024);
        bed.Resolver.Add("dying", server.Address);
        var sender = Sender(bed.Resolver, inFiles: true, out int good);
        int dying = sender.Open("dying");
        uint window = sender.NewWindow(Big);
        byte[] payload = Payloads.Random(Big, seed: 14);
        sender.Write(window, payload);

        Assert.That(sender.Claim(dying, window, Big), Is.Zero);
        Assert.That(sender.Commit(dying, window, Big), Is.EqualTo((int)HoseStatus.PeerFailed), "the connection broke mid-send");
        Assert.That(sender.ChecksumOf(window, Big), Is.EqualTo(ZeroCopyGuest.Checksum(payload)), "the window keeps the guest's bytes");

        Assert.That(sender.Claim(good, window, Big), Is.Zero, "the window can be claimed again");
        Assert.That(sender.Commit(good, window, Big), Is.Zero);
        Assert.That(receiver.Get("sum"), Is.EqualTo(ZeroCopyGuest.Checksum(payload)));
    }

    /// <summary>A sending guest in a host of its own (memories in files or not) with a network endpoint using <paramref name="resolver"/>, its hose to "zc" open.</summary>
    private ZeroCopyGuest Sender(INetworkResolver resolver, bool inFiles, out int handle, TimeSpan? sendTimeout = null, System.Net.Security.SslClientAuthenticationOptions? tls = null)
    {
        FunctionHost host = Track(CreateHost(o =>
        {
            ZeroCopyHopTests.ZeroCopy(o, regions: false);
            o.GuestMemoryInFiles = inFiles;
            o.Guest.SendTimeout = sendTimeout ?? WaitLimit;
        }));
        NetworkOptions options = NetworkTestbed.Options();
        options.Resolver = resolver;
        options.ClientTls = tls;
        Track(host.StartNetworkEndpoint(options));
        var sender = new ZeroCopyGuest(host.LoadText("sender", ZeroCopyGuest.Wat));
        handle = sender.Open("zc");
        Assert.That(handle, Is.GreaterThan(0));
        return sender;
    }

    /// <summary>The sender claims its window, writes <paramref name="payload"/> into it and commits it: the commit's status (the claim must succeed).</summary>
    private static int ClaimWriteCommit(ZeroCopyGuest sender, int handle, uint window, byte[] payload)
    {
        Assert.That(sender.Claim(handle, window, (uint)payload.Length), Is.Zero, "claim");
        sender.Write(window, payload);
        return sender.Commit(handle, window, (uint)payload.Length);
    }
}
