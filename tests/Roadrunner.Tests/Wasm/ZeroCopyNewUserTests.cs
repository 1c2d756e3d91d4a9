using System.Runtime.Versioning;
using Roadrunner.Hosting;
using Roadrunner.Tests.Support;
using Roadrunner.Wasm;

namespace Roadrunner.Tests.Wasm;

/// <summary>
/// The zero-copy ABI tried by a new user: C guests written from docs/guest-abi.md and roadrunner.h alone
/// (Wasm/Guests/newuser.c), the flow the docs describe, then hostile calls the other ZeroCopy*Tests do not make.
/// Tests in the category NewUserFailing show a defect that is not fixed yet (each says which).
/// </summary>
[SupportedOSPlatform("linux")]
public class ZeroCopyNewUserTests : FolderTest
{
    private const int Ok = (int)HoseStatus.Ok;
    private const int BadPointer = (int)HoseStatus.BadPointer;
    private const int BadHandle = (int)HoseStatus.BadHandle;
    private const int Page = 65536;
    private const uint Large = 1024 * 1024; // above the tests' 256 KiB crossover

    [TestCase(false)]
    [TestCase(true)]
    public async Task TheDocumentedFlowMapsPushedAndPulledPayloadsAndCopiesSmallOnes(bool regions)
    {
        using var metrics = new MetricRecorder();
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions));
        var sender = NewUserGuest.Load(host, "sender");
        var receiver = NewUserGuest.Load(host, "receiver");
        var puller = NewUserGuest.Load(host, "puller", pull: true);
        Assert.That(sender.Call("abi"), Is.EqualTo(2));

        int toReceiver = sender.Open("receiver");
        Assert.That(sender.Produce(toReceiver, Large, 3), Is.EqualTo(Ok), "handed to the idle receiver");
        Assert.Multiple(() =>
        {
            Assert.That(receiver.Call("count"), Is.EqualTo(1));
            Assert.That(receiver.Call("last_len"), Is.EqualTo((int)Large));
            Assert.That(receiver.Call("last_sum"), Is.EqualTo(NewUserGuest.Checksum(Large, 3)));
            Assert.That(receiver.Call("last_ptr"), Is.EqualTo(receiver.Call("rx_window")), "handed in its window");
            Assert.That(metrics.Total("roadrunner.guest.transfers|function=receiver|transfer=mapped"), Is.EqualTo(1));
        });

        Assert.That(sender.Produce(toReceiver, 1000, 4), Is.EqualTo(Ok));
        Assert.Multiple(() =>
        {
            Assert.That(receiver.Call("last_sum"), Is.EqualTo(NewUserGuest.Checksum(1000, 4)));
            Assert.That(receiver.Call("last_ptr"), Is.Not.EqualTo(receiver.Call("rx_window")), "below the crossover: rr_alloc");
        });

        int toPuller = sender.Open("puller");
        Assert.That(sender.Produce(toPuller, Large, 5), Is.EqualTo(Ok), "queued");
        Assert.That(puller.Call("pull", (int)Large), Is.EqualTo((int)Large));
        Assert.That(puller.Call("last_sum"), Is.EqualTo(NewUserGuest.Checksum(Large, 5)));
        Assert.That(metrics.Total("roadrunner.guest.transfers|function=puller|transfer=mapped"), Is.EqualTo(1));
        Assert.That(host.Pool.LeasedBytes, Is.Zero);
    }

    [Test]
    public async Task ReceiveWindowChecksTheWindowBeforeTheInbox()
    {
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions: false));
        var puller = NewUserGuest.Load(host, "puller", pull: true);
        uint window = (uint)puller.Call("window", (int)Large);
        uint size = (uint)puller.Call("size");
        Assert.Multiple(() =>
        {
            Assert.That(puller.Call("receive_window", (int)(window + 4096), 100), Is.EqualTo(BadPointer), "unaligned, inbox empty");
            Assert.That(puller.Call("receive_window", (int)window, -1), Is.EqualTo(BadPointer), "cap 2^32-1");
            Assert.That(puller.Call("receive_window", (int)size, 0), Is.EqualTo(BadPointer), "at the memory's end, cap 0");
            Assert.That(puller.Call("receive_window", unchecked((int)0xFFFF_0000), 0x20000), Is.EqualTo(BadPointer), "wraps 2^32");
            Assert.That(puller.Call("release", -1), Is.EqualTo(BadPointer), "release of 2^32-1");
            Assert.That(puller.Call("release", (int)window), Is.EqualTo(BadPointer), "release of a window never received");
            Assert.That(puller.Call("receive_window", (int)window, 100), Is.EqualTo((int)HoseStatus.WouldBlock), "a good window, inbox empty");
        });
    }

    [Test]
    public async Task ACapBelowThePayloadIsTooSmallEvenInsideOnePage()
    {
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions: false));
        var puller = NewUserGuest.Load(host, "puller", pull: true);
        uint window = (uint)puller.Call("window", Page);
        byte[] payload = Payloads.Random(1000, seed: 1);
        Assert.That(puller.Function.Guest.Inbox.Send(payload, WaitLimit, Ct), Is.EqualTo(HoseStatus.Ok));
        Assert.That(puller.Call("receive_window", (int)window, 500), Is.EqualTo((int)HoseStatus.BufferTooSmall), "the cap, not the page, bounds it");
        Assert.That(puller.Function.Guest.InboxHose.QueuedCount, Is.EqualTo(1), "still queued");
        Assert.That(puller.Call("receive_window", (int)window, 1000), Is.EqualTo(1000));
        Assert.That(puller.Read(window, 1000), Is.EqualTo(payload));
        Assert.That(puller.Call("release", (int)window), Is.EqualTo(Ok));
    }

    [TestCase(2)]
    [TestCase(3)]
    public async Task AHandlerCannotReleaseOrCommitItsMappedPayload(int mode)
    {
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions: false));
        IDataHose sink = host.CreateInbox("sink");
        var sender = NewUserGuest.Load(host, "sender");
        var receiver = NewUserGuest.Load(host, "receiver");
        int toSink = receiver.Open("sink");
        receiver.Call("window", (int)Large); // room for the window the handler gets
        receiver.Run("set_handler_mode", mode, toSink, 0, 0);
        int handle = sender.Open("receiver");
        Assert.That(sender.Produce(handle, Large, 6), Is.EqualTo(Ok));
        Assert.Multiple(() =>
        {
            Assert.That(receiver.Call("inner"), Is.EqualTo(BadPointer), mode == 2 ? "release of a pushed window" : "commit of a pushed window");
            Assert.That(receiver.Call("last_sum"), Is.EqualTo(NewUserGuest.Checksum(Large, 6)));
            Assert.That(sink.TryPeekLength(out _), Is.False, "nothing sent");
        });
        uint rx = (uint)receiver.Call("rx_window");
        Assert.That(receiver.Read(rx, 4096), Is.All.EqualTo(0), "its own bytes are back");
        Assert.That(sender.Produce(handle, Large, 7), Is.EqualTo(Ok), "the window works again");
        Assert.That(receiver.Call("last_sum"), Is.EqualTo(NewUserGuest.Checksum(Large, 7)));
        Assert.That(host.Pool.LeasedBytes, Is.Zero);
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task ACommitToItselfIsQueuedAndPushedWhenItReturns(bool regions)
    {
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions));
        var self = NewUserGuest.Load(host, "self");
        int handle = self.Open("self");
        Assert.That(self.Produce(handle, Large, 8), Is.EqualTo(Ok));
        Assert.Multiple(() =>
        {
            Assert.That(self.Call("count"), Is.EqualTo(1), "pushed once its call returned");
            Assert.That(self.Call("last_sum"), Is.EqualTo(NewUserGuest.Checksum(Large, 8)));
        });
        Assert.That(host.Pool.LeasedBytes, Is.Zero);
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task AHandlerCommitsAWindowClaimedToItselfWhileItsPayloadIsMapped(bool regions)
    {
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions));
        var sender = NewUserGuest.Load(host, "sender");
        var receiver = NewUserGuest.Load(host, "receiver");
        int self = receiver.Open("receiver");
        uint claimed = (uint)receiver.Call("window", (int)Large);
        Assert.That(receiver.Call("claim", self, (int)claimed, (int)Large), Is.EqualTo(Ok));
        byte[] own = Payloads.Random((int)Large, seed: 9);
        receiver.Write(claimed, own);
        receiver.Run("set_handler_mode", 1, self, (int)claimed, (int)Large);

        Assert.That(sender.Produce(sender.Open("receiver"), Large, 10), Is.EqualTo(Ok));
        Assert.That(receiver.Call("inner"), Is.EqualTo(Ok), "the commit from inside the handler");
        Assert.Multiple(() =>
        {
            Assert.That(receiver.Call("count"), Is.EqualTo(2), "its own payload was pushed after the handler");
            Assert.That(receiver.Call("last_sum"), Is.EqualTo(NewUserGuest.Checksum(own)));
        });
        Assert.That(host.Pool.LeasedBytes, Is.Zero);
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task AFanOutIncludingTheSenderMapsTheOthersAndQueuesItself(bool regions)
    {
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions));
        var self = NewUserGuest.Load(host, "self");
        var other = NewUserGuest.Load(host, "other");
        host.AddRoute("both", "self", "other");
        Assert.That(self.Produce(self.Open("both"), Large, 11), Is.EqualTo(Ok));
        Assert.Multiple(() =>
        {
            Assert.That(other.Call("last_sum"), Is.EqualTo(NewUserGuest.Checksum(Large, 11)));
            Assert.That(self.Call("count"), Is.EqualTo(1));
            Assert.That(self.Call("last_sum"), Is.EqualTo(NewUserGuest.Checksum(Large, 11)));
        });
        Assert.That(host.Pool.LeasedBytes, Is.Zero);
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task AReceiverHolding64WindowsStillGetsALargePayload(bool regions)
    {
        using var metrics = new MetricRecorder();
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions));
        host.CreateInbox("sink");
        var sender = NewUserGuest.Load(host, "sender");
        var receiver = NewUserGuest.Load(host, "receiver");
        int toSink = receiver.Open("sink");
        receiver.Call("window", (int)Large); // its receive window, grown before the claims
        uint first = (uint)receiver.Call("window", 64 * Page);
        for (int i = 0; i < 64; i++)
        {
            Assert.That(receiver.Call("claim", toSink, (int)first + (i * Page), 1), Is.EqualTo(Ok));
        }

        int status = sender.Produce(sender.Open("receiver"), Large, 12);
        TestContext.Out.WriteLine($"status {status}, count {receiver.Call("count")}, mapped {metrics.Total("roadrunner.guest.transfers|function=receiver|transfer=mapped")}, copied {metrics.Total("roadrunner.guest.transfers|function=receiver|transfer=copied")}");
        Assert.That(status, Is.EqualTo(Ok), "a 65th window is not a documented refusal: the payload can still be copied");
        Assert.That(receiver.Call("last_sum"), Is.EqualTo(NewUserGuest.Checksum(Large, 12)));
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task AWindowOverAWindowItHoldsIsARefusal(bool regions)
    {
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions));
        var sender = NewUserGuest.Load(host, "sender");
        var receiver = NewUserGuest.Load(host, "receiver");
        int self = receiver.Open("receiver");
        uint held = (uint)receiver.Call("produce_and_hold", self, (int)Large, 13);
        Assert.That(held % Page, Is.Zero, $"a held window, not a status: {(int)held}");
        Assert.That(receiver.Call("last_sum"), Is.EqualTo(NewUserGuest.Checksum(Large, 13)), "taken out of its own inbox");
        receiver.Run("set_window_mode", 5, (int)held);

        Assert.That(sender.Produce(sender.Open("receiver"), Large, 14), Is.EqualTo((int)HoseStatus.PeerFailed), "refused");
        Assert.That(receiver.Call("sum", (int)held, (int)Large), Is.EqualTo(NewUserGuest.Checksum(Large, 13)), "the held payload is untouched");
        Assert.That(receiver.Call("release", (int)held), Is.EqualTo(Ok));
        receiver.Run("set_window_mode", 1, 0);
        Assert.That(sender.Produce(sender.Open("receiver"), Large, 15), Is.EqualTo(Ok));
        Assert.That(receiver.Call("last_sum"), Is.EqualTo(NewUserGuest.Checksum(Large, 15)));
        Assert.That(host.Pool.LeasedBytes, Is.Zero);
    }

    [Test]
    public async Task BytesOfAHeldReceivedWindowAreNotReadFromTheMemoryFile()
    {
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions: false));
        var puller = NewUserGuest.Load(host, "puller", pull: true);
        uint window = (uint)puller.Call("window", (int)Large);
        bool Found() => puller.Function.Run(i => GuestMemoryFile.TryFind(i.GetMemory("memory")!.GetSpan(window, 100), out _, out _));
        Assert.That(puller.Function.Guest.Inbox.Send(Payloads.Random((int)Large, seed: 16), WaitLimit, Ct), Is.EqualTo(HoseStatus.Ok));
        Assert.That(Found(), Is.True);
        Assert.That(puller.Call("receive_window", (int)window, (int)Large), Is.EqualTo((int)Large));
        Assert.That(Found(), Is.False, "a peer reading the file would see the old bytes there");
        Assert.That(puller.Call("release", (int)window), Is.EqualTo(Ok));
        Assert.That(Found(), Is.True);
    }

    [Test]
    public async Task BytesOfAPushedMappedPayloadAreNotReadFromTheMemoryFileWhenForwarded()
    {
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions: false));
        bool? found = null;
        byte[]? forwarded = null;
        var probe = new ProbeSender(payload =>
        {
            // What a sender to another process does with a guest's bytes from 256 KiB: borrow them from the memory file.
            found = GuestMemoryFile.TryFind(payload, out _, out _);
            forwarded = payload.ToArray();
        });
        host.AddDirectory(new FakeDirectory().Add("probe", probe));
        var sender = NewUserGuest.Load(host, "sender");
        var receiver = NewUserGuest.Load(host, "receiver");
        int toProbe = receiver.Open("probe");
        receiver.Call("window", (int)Large);
        receiver.Run("set_handler_mode", 6, toProbe, 0, 0);
        Assert.That(sender.Produce(sender.Open("receiver"), Large, 17), Is.EqualTo(Ok));
        Assert.That(receiver.Call("inner"), Is.EqualTo(Ok), "forwarded");
        Assert.Multiple(() =>
        {
            Assert.That(NewUserGuest.Checksum(forwarded!), Is.EqualTo(NewUserGuest.Checksum(Large, 17)));
            Assert.That(found, Is.False, "the file holds the receiver's own bytes there, not the payload");
        });
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task AWindowEndingAtTheTopOfA4GiBMemoryIsAWindow(bool regions)
    {
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions));
        IDataHose sink = host.CreateInbox("sink");
        var guest = NewUserGuest.Load(host, "g");
        int handle = guest.Open("sink");
        int pages = 65536 - (guest.Call("size") / Page);
        Assert.That(guest.Call("grow", pages), Is.GreaterThan(0), "memory.grow to 4 GiB");
        Assert.That((uint)guest.Call("size"), Is.EqualTo(0u), "4 GiB reads as 0 in 32 bits");
        const uint top = 0xFFFF_0000;
        Assert.Multiple(() =>
        {
            Assert.That(guest.Call("claim", handle, unchecked((int)top), 2 * Page), Is.EqualTo(BadPointer), "past 2^32");
            Assert.That(guest.Call("claim", handle, unchecked((int)top), Page), Is.EqualTo(Ok), "the last page of the memory");
        });
        guest.Write(top, [1, 2, 3]);
        Assert.That(guest.Call("commit", handle, unchecked((int)top), 3), Is.EqualTo(Ok));
        using (HoseLease lease = await sink.ReceiveAsync(Ct))
        {
            Assert.That(lease.Bytes(), Is.EqualTo(new byte[] { 1, 2, 3 }));
        }

        Assert.That(host.Pool.LeasedBytes, Is.Zero);
    }

    [Test]
    public async Task PayloadsAreMappedIntoWindowsEndingAtTheTopOfA4GiBMemory()
    {
        using var metrics = new MetricRecorder();
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions: false));
        const uint Length = 256 * 1024;
        const uint Top = 0xFFFC_0000; // the last 256 KiB
        var sender = NewUserGuest.Load(host, "sender");
        var receiver = NewUserGuest.Load(host, "receiver");
        var puller = NewUserGuest.Load(host, "puller", pull: true);
        foreach (NewUserGuest guest in new[] { receiver, puller })
        {
            Assert.That(guest.Call("grow", 65536 - (guest.Call("size") / Page)), Is.GreaterThan(0), "memory.grow to 4 GiB");
        }

        receiver.Run("set_window_mode", 5, unchecked((int)Top));
        Assert.That(sender.Produce(sender.Open("receiver"), Length, 18), Is.EqualTo(Ok));
        Assert.Multiple(() =>
        {
            Assert.That((uint)receiver.Call("last_ptr"), Is.EqualTo(Top));
            Assert.That(receiver.Call("last_sum"), Is.EqualTo(NewUserGuest.Checksum(Length, 18)));
        });

        Assert.That(sender.Produce(sender.Open("puller"), Length, 19), Is.EqualTo(Ok));
        Assert.That(puller.Call("receive_window", unchecked((int)Top), (int)Length), Is.EqualTo((int)Length));
        Assert.That(puller.Call("sum", unchecked((int)Top), (int)Length), Is.EqualTo(NewUserGuest.Checksum(Length, 19)));
        Assert.That(puller.Call("release", unchecked((int)Top)), Is.EqualTo(Ok));
        Assert.Multiple(() =>
        {
            Assert.That(metrics.Total("roadrunner.guest.transfers|function=receiver|transfer=mapped"), Is.EqualTo(1));
            Assert.That(metrics.Total("roadrunner.guest.transfers|function=puller|transfer=mapped"), Is.EqualTo(1));
            Assert.That(host.Pool.LeasedBytes, Is.Zero);
        });
    }

    [Test]
    public async Task WithACrossoverOfZeroEmptyAndOneBytePayloadsArriveAndGrowingAroundAHeldWindowKeepsIt()
    {
        await using FunctionHost host = CreateHost(o =>
        {
            ZeroCopyHopTests.ZeroCopy(o, regions: false);
            o.Guest.MappingThreshold = 0;
        });
        var sender = NewUserGuest.Load(host, "sender");
        var receiver = NewUserGuest.Load(host, "receiver");
        var puller = NewUserGuest.Load(host, "puller", pull: true);
        int toReceiver = sender.Open("receiver");
        Assert.That(sender.Produce(toReceiver, 0, 24), Is.EqualTo(Ok));
        Assert.Multiple(() =>
        {
            Assert.That(receiver.Call("count"), Is.EqualTo(1));
            Assert.That(receiver.Call("last_len"), Is.Zero);
        });
        Assert.That(sender.Produce(toReceiver, 1, 25), Is.EqualTo(Ok));
        Assert.That(receiver.Call("last_sum"), Is.EqualTo(NewUserGuest.Checksum(1, 25)));

        int toPuller = sender.Open("puller");
        Assert.That(sender.Produce(toPuller, Large, 26), Is.EqualTo(Ok));
        uint window = (uint)puller.Call("window", (int)Large);
        Assert.That(puller.Call("receive_window", (int)window, (int)Large), Is.EqualTo((int)Large));
        Assert.That(puller.Call("grow", 64), Is.GreaterThan(0), "memory.grow while a mapped window is held");
        Assert.That(puller.Call("sum", (int)window, (int)Large), Is.EqualTo(NewUserGuest.Checksum(Large, 26)), "the window still holds the payload");
        Assert.That(puller.Call("release", (int)window), Is.EqualTo(Ok));
        Assert.That(puller.Read(window, 4096), Is.All.EqualTo(0), "its own bytes are back");
        Assert.That(host.Pool.LeasedBytes, Is.Zero);
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task AHandlerWaitingInAnImportPastItsTimeLimitWithAMappedPayloadIsFaultedAndGetsItsPagesBack(bool regions)
    {
        await using FunctionHost host = CreateHost(o =>
        {
            ZeroCopyHopTests.ZeroCopy(o, regions);
            o.Guest.PushTimeout = TimeSpan.FromMilliseconds(300);
        });
        var sender = NewUserGuest.Load(host, "sender");
        var receiver = NewUserGuest.Load(host, "receiver");
        uint rx = (uint)receiver.Call("window", (int)Large);
        receiver.Run("set_window_mode", 5, (int)rx);
        receiver.Run("set_handler_mode", 7, 0, 0, 0);
        int handle = sender.Open("receiver");
        Assert.That(sender.Produce(handle, Large, 27), Is.EqualTo((int)HoseStatus.PeerFailed));
        Assert.That(receiver.Function.Guest.IsFaulted, Is.True);
        Assert.That(receiver.Read(rx, 4096), Is.All.EqualTo(0), "its own pages are back");
        Assert.That(sender.Produce(handle, Large, 28), Is.EqualTo((int)HoseStatus.PeerFailed), "faulted");
        await receiver.Function.DisposeAsync();
        Assert.That(host.Pool.LeasedBytes, Is.Zero);
    }

    [Test]
    public async Task HandlesThatWereNeverOpenedOrAreClosedAreBadHandlesAndALongerCommitIsABadPointer()
    {
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions: true));
        IDataHose sink = host.CreateInbox("sink");
        var guest = NewUserGuest.Load(host, "g");
        uint window = (uint)guest.Call("window", (int)Large);
        int handle = guest.Open("sink");
        Assert.Multiple(() =>
        {
            Assert.That(guest.Call("claim", 0, (int)window, 1), Is.EqualTo(BadHandle), "handle 0");
            Assert.That(guest.Call("claim", -1, (int)window, 1), Is.EqualTo(BadHandle), "handle -1");
            Assert.That(guest.Call("claim", 1025, (int)window, 1), Is.EqualTo(BadHandle), "past the handle limit");
        });
        Assert.That(guest.Call("claim", handle, (int)window, 100), Is.EqualTo(Ok));
        Assert.Multiple(() =>
        {
            Assert.That(guest.Call("commit", handle, (int)window, Page), Is.EqualTo(BadPointer), "longer than claimed, inside its page");
            Assert.That(guest.Call("commit", handle, (int)window, -1), Is.EqualTo(BadPointer), "2^32-1");
        });
        Assert.That(guest.Call("close", handle), Is.EqualTo(Ok));
        Assert.Multiple(() =>
        {
            Assert.That(guest.Call("claim", handle, (int)window, 1), Is.EqualTo(BadHandle), "a closed handle");
            Assert.That(guest.Call("commit", handle, (int)window, 1), Is.EqualTo(BadPointer), "closing gave the window back");
            Assert.That(sink.TryPeekLength(out _), Is.False);
        });
        Assert.That(host.Pool.LeasedBytes, Is.Zero);
    }

    /// <summary>A .NET sender that hands each payload's span (the guest's memory) to <paramref name="onSend"/>.</summary>
    private sealed class ProbeSender(Action<ReadOnlySpan<byte>> onSend) : IHoseSender
    {
        public string Name => "probe";

        public HoseStatus TrySend(ReadOnlySpan<byte> payload)
        {
            onSend(payload);
            return HoseStatus.Ok;
        }

        public HoseStatus Send(ReadOnlySpan<byte> payload, TimeSpan timeout, CancellationToken cancellationToken = default) => TrySend(payload);

        public ValueTask SendAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask SendAsync(System.Buffers.ReadOnlySequence<byte> payload, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask<HoseClaim> ClaimAsync(int length, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public void Complete()
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
