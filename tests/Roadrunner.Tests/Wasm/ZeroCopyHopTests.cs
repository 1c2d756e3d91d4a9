using System.Runtime.Versioning;
using Roadrunner.Hosting;
using Roadrunner.Tests.Support;
using Roadrunner.Wasm;

namespace Roadrunner.Tests.Wasm;

/// <summary>Guest → guest hops through claim/commit into receivers that take payloads mapped (ABI version 2).</summary>
[SupportedOSPlatform("linux")]
public class ZeroCopyHopTests : FolderTest
{
    [Test]
    public async Task TheHostSpeaksVersionTwo()
    {
        await using FunctionHost host = CreateHost();
        Assert.That(new ZeroCopyGuest(host.LoadText("g", ZeroCopyGuest.Wat)).Abi(), Is.EqualTo(2));
    }

    [TestCase(1000, false, false)]
    [TestCase(1000 * 1000, true, false)]
    [TestCase(10 * 1000 * 1000, true, false)]
    [TestCase(1000, false, true)]
    [TestCase(1000 * 1000, true, true)]
    [TestCase(10 * 1000 * 1000, true, true)]
    public async Task AClaimedPayloadArrivesIntactMappedAboveTheCrossoverCopiedBelow(int length, bool mapped, bool regions)
    {
        using var metrics = new MetricRecorder();
        await using FunctionHost host = CreateHost(o => ZeroCopy(o, regions));
        var sender = new ZeroCopyGuest(host.LoadText("sender", ZeroCopyGuest.Wat));
        var receiver = new ZeroCopyGuest(host.LoadText("receiver", ZeroCopyGuest.Wat));
        receiver.SetWindow(receiver.NewWindow(length));
        int handle = sender.Open("receiver");
        uint window = sender.NewWindow(length);
        byte[] payload = Payloads.Random(length, seed: length);
        sender.Write(window, Enumerable.Repeat((byte)0xAB, (int)(((long)length + 65535) / 65536 * 65536)).ToArray()); // the sender's bytes past the payload must not travel

        for (int round = 0; round < 2; round++) // the second round reuses the sender's regions
        {
            Assert.That(sender.Claim(handle, window, (uint)length), Is.Zero);
            sender.Write(window, payload);
            Assert.That(sender.Commit(handle, window, (uint)length), Is.Zero);

            Assert.Multiple(() =>
            {
                Assert.That(receiver.Get("count"), Is.EqualTo(round + 1), "delivered before commit returned");
                Assert.That(receiver.Get("len"), Is.EqualTo(length));
                Assert.That(receiver.Get("sum"), Is.EqualTo(ZeroCopyGuest.Checksum(payload)), "checksum");
                Assert.That(receiver.Get("tail"), Is.Zero, "the last page past the payload reads zero");
            });
        }

        Assert.Multiple(() =>
        {
            Assert.That(metrics.Total($"roadrunner.guest.transfers|function=receiver|transfer={(mapped ? "mapped" : "copied")}"), Is.EqualTo(2));
            Assert.That(metrics.Total($"roadrunner.hose.payloads|function=receiver|path={(mapped ? "mapped" : "direct")}"), Is.EqualTo(2));
            Assert.That(host.Pool.LeasedBytes, Is.Zero, "every region went back");
        });
        if (mapped)
        {
            Assert.That((uint)receiver.Get("ptr"), Is.EqualTo((uint)receiver.Get("ptr") / ZeroCopyGuest.Page * ZeroCopyGuest.Page), "handed the window");
        }

        if (mapped && regions)
        {
            Assert.That(sender.Read(window, 64), Is.All.EqualTo(0xAB), "after commit a window backed by regions holds the guest's own bytes again");
        }
    }

    [Test]
    public async Task TheSendAndDeliverSpansSayThePayloadWasMapped()
    {
        const int Length = 1024 * 1024;
        using var spans = new SpanRecorder();
        await using FunctionHost host = CreateHost(o => ZeroCopy(o, regions: false));
        var sender = new ZeroCopyGuest(host.LoadText("sender", ZeroCopyGuest.Wat));
        var receiver = new ZeroCopyGuest(host.LoadText("receiver", ZeroCopyGuest.Wat));
        receiver.SetWindow(receiver.NewWindow(Length));
        int handle = sender.Open("receiver");
        uint window = sender.NewWindow(Length);
        Assert.That(sender.Claim(handle, window, Length), Is.Zero);
        Assert.That(sender.Commit(handle, window, Length), Is.Zero);

        Assert.Multiple(() =>
        {
            Assert.That(spans.Single("roadrunner.send", "receiver").GetTagItem("roadrunner.path"), Is.EqualTo("mapped"));
            Assert.That(spans.Single("roadrunner.deliver", "receiver").GetTagItem("roadrunner.transfer"), Is.EqualTo("mapped"));
        });
    }

    [TestCase((int)RoadrunnerGuestOptions.DefaultMappingThreshold - 1, false)]
    [TestCase((int)RoadrunnerGuestOptions.DefaultMappingThreshold, true)]
    public async Task ByDefaultPayloadsFrom2MiBAreMapped(int length, bool mapped)
    {
        Assert.That(RoadrunnerGuestOptions.DefaultMappingThreshold, Is.EqualTo(2 * 1024 * 1024));
        using var metrics = new MetricRecorder();
        await using FunctionHost host = CreateHost(o => o.GuestMemoryInFiles = true);
        var sender = new ZeroCopyGuest(host.LoadText("sender", ZeroCopyGuest.Wat));
        var receiver = new ZeroCopyGuest(host.LoadText("receiver", ZeroCopyGuest.Wat));
        receiver.SetWindow(receiver.NewWindow(length));
        int handle = sender.Open("receiver");
        uint window = sender.NewWindow(length);
        Assert.That(sender.Claim(handle, window, (uint)length), Is.Zero);
        Assert.That(sender.Commit(handle, window, (uint)length), Is.Zero);
        Assert.That(metrics.Total($"roadrunner.guest.transfers|function=receiver|transfer={(mapped ? "mapped" : "copied")}"), Is.EqualTo(1));
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task FanOutToThreeMappedReceiversCopiesNothing(bool regions)
    {
        const int Length = 3 * 1024 * 1024 + 17;
        using var metrics = new MetricRecorder();
        await using FunctionHost host = CreateHost(o => ZeroCopy(o, regions));
        var sender = new ZeroCopyGuest(host.LoadText("sender", ZeroCopyGuest.Wat));
        var receivers = new List<ZeroCopyGuest>();
        for (int i = 0; i < 3; i++)
        {
            var receiver = new ZeroCopyGuest(host.LoadText($"r{i}", ZeroCopyGuest.Wat));
            receiver.SetWindow(receiver.NewWindow(Length));
            receivers.Add(receiver);
        }

        host.AddRoute("all", "r0", "r1", "r2");
        int handle = sender.Open("all");
        uint window = sender.NewWindow(Length);
        byte[] payload = Payloads.Random(Length, seed: 3);
        Assert.That(sender.Claim(handle, window, Length), Is.Zero);
        sender.Write(window, payload);
        Assert.That(sender.Commit(handle, window, Length), Is.Zero);

        foreach (ZeroCopyGuest receiver in receivers)
        {
            Assert.That(receiver.Get("sum"), Is.EqualTo(ZeroCopyGuest.Checksum(payload)));
        }

        Assert.Multiple(() =>
        {
            Assert.That(metrics.Total("roadrunner.guest.transfers|function=r0|transfer=mapped"), Is.EqualTo(1));
            Assert.That(metrics.Total("roadrunner.guest.transfers|function=r1|transfer=mapped"), Is.EqualTo(1));
            Assert.That(metrics.Total("roadrunner.guest.transfers|function=r2|transfer=mapped"), Is.EqualTo(1));
            Assert.That(host.Pool.LeasedBytes, Is.Zero);
        });
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task AReceiverWritingIntoItsMappedPayloadChangesNeitherTheSenderNorOtherReceivers(bool regions)
    {
        const int Length = 2 * 1024 * 1024;
        await using FunctionHost host = CreateHost(o => ZeroCopy(o, regions));
        var sender = new ZeroCopyGuest(host.LoadText("sender", ZeroCopyGuest.Wat));
        var writers = new List<ZeroCopyGuest>();
        for (int i = 0; i < 2; i++)
        {
            var writer = new ZeroCopyGuest(host.LoadText($"w{i}", ZeroCopyGuest.Wat));
            writer.SetWindow(writer.NewWindow(Length));
            writer.SetMode(3); // stamps 0xEE into every page of the mapped payload after checksumming it
            writers.Add(writer);
        }

        IDataHose lease = host.CreateInbox("lease"); // after both wrote: the sender's region in place, or a copy of the sender's window
        host.AddRoute("all", "w0", "w1", "lease");
        int handle = sender.Open("all");
        uint window = sender.NewWindow(Length);
        byte[] payload = Payloads.Random(Length, seed: 9);
        Assert.That(sender.Claim(handle, window, Length), Is.Zero);
        sender.Write(window, payload);
        Assert.That(sender.Commit(handle, window, Length), Is.Zero);

        Assert.Multiple(() =>
        {
            Assert.That(writers[0].Get("sum"), Is.EqualTo(ZeroCopyGuest.Checksum(payload)));
            Assert.That(writers[1].Get("sum"), Is.EqualTo(ZeroCopyGuest.Checksum(payload)), "the first receiver's writes did not reach the second");
        });
        Assert.That(Payloads.Diff(await ReceiveBytesAsync(lease), payload), Is.Empty, "the sender's bytes are unchanged");
        if (!regions)
        {
            Assert.That(Payloads.Diff(sender.Read(window, Length), payload), Is.Empty, "the sender's own memory is unchanged");
        }
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task AQueuedClaimIsMappedWhenTheReceiverGetsToIt(bool regions)
    {
        const int Length = 1024 * 1024;
        using var metrics = new MetricRecorder();
        await using FunctionHost host = CreateHost(o => ZeroCopy(o, regions));
        var sender = new ZeroCopyGuest(host.LoadText("sender", ZeroCopyGuest.Wat));
        var receiver = new ZeroCopyGuest(host.LoadText("receiver", ZeroCopyGuest.Wat));
        receiver.SetWindow(receiver.NewWindow(Length));
        int handle = sender.Open("receiver");
        uint window = sender.NewWindow(Length);
        byte[] payload = Payloads.Random(Length, seed: 5);

        await using (await GateHolder.HoldAsync(receiver.Function, WaitLimit))
        {
            Assert.That(sender.Claim(handle, window, Length), Is.Zero);
            sender.Write(window, payload);
            Assert.That(sender.Commit(handle, window, Length), Is.Zero, "queued");
            Assert.That(receiver.Function.Guest.InboxHose.QueuedCount, Is.EqualTo(1));
        }

        Assert.Multiple(() =>
        {
            Assert.That(receiver.Get("sum"), Is.EqualTo(ZeroCopyGuest.Checksum(payload)), "pushed when the gate was left");
            Assert.That(metrics.Total("roadrunner.guest.transfers|function=receiver|transfer=mapped"), Is.EqualTo(1));
            Assert.That(metrics.Total("roadrunner.hose.payloads|function=receiver|path=queued"), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task AReceiverThatDeclinesAWindowGetsACopy()
    {
        const int Length = 1024 * 1024;
        using var metrics = new MetricRecorder();
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions: false));
        var sender = new ZeroCopyGuest(host.LoadText("sender", ZeroCopyGuest.Wat));
        var receiver = new ZeroCopyGuest(host.LoadText("receiver", ZeroCopyGuest.Wat)); // rr_alloc_window answers 0
        int handle = sender.Open("receiver");
        uint window = sender.NewWindow(Length);
        byte[] payload = Payloads.Random(Length, seed: 6);
        Assert.That(sender.Claim(handle, window, Length), Is.Zero);
        sender.Write(window, payload);
        Assert.That(sender.Commit(handle, window, Length), Is.Zero);
        Assert.Multiple(() =>
        {
            Assert.That(receiver.Get("sum"), Is.EqualTo(ZeroCopyGuest.Checksum(payload)));
            Assert.That(metrics.Total("roadrunner.guest.transfers|function=receiver|transfer=copied"), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task WithoutMemoriesInFilesClaimAndCommitCopyAndStillDeliver()
    {
        const int Length = 1024 * 1024;
        using var metrics = new MetricRecorder();
        await using FunctionHost host = CreateHost();
        var sender = new ZeroCopyGuest(host.LoadText("sender", ZeroCopyGuest.Wat));
        var receiver = new ZeroCopyGuest(host.LoadText("receiver", ZeroCopyGuest.Wat));
        receiver.SetWindow(receiver.NewWindow(Length));
        int handle = sender.Open("receiver");
        uint window = sender.NewWindow(Length);
        byte[] payload = Payloads.Random(Length, seed: 7);
        Assert.That(sender.Claim(handle, window, Length), Is.Zero);
        sender.Write(window, payload);
        Assert.That(sender.Commit(handle, window, Length / 2), Is.Zero, "a commit may hand over fewer bytes than claimed");
        Assert.Multiple(() =>
        {
            Assert.That(receiver.Get("sum"), Is.EqualTo(ZeroCopyGuest.Checksum(payload.AsSpan(0, Length / 2))));
            Assert.That(metrics.Total("roadrunner.guest.transfers|function=receiver|transfer=copied"), Is.EqualTo(1));
        });
    }

    /// <summary>Guest memories in files; claims backed by regions or by the guest's own memory; mapped from 256 KiB.</summary>
    internal static void ZeroCopy(FunctionHostOptions options, bool regions)
    {
        options.GuestMemoryInFiles = true;
        options.Guest.ClaimsMapRegions = regions;
        options.Guest.MappingThreshold = 256 * 1024;
    }
}
