using System.Runtime.Versioning;
using Roadrunner.Hosting;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Wasm;

/// <summary>Hostile window calls a careless or malicious guest can make: each is a status, delivers nothing it should not, and leaks no budget.</summary>
[SupportedOSPlatform("linux")]
public class ZeroCopyHostileTests : FolderTest
{
    private const int BadPointer = (int)HoseStatus.BadPointer;
    private const int BadHandle = (int)HoseStatus.BadHandle;
    private const uint Length = 1024 * 1024; // above the tests' 256 KiB crossover

    /// <summary>A push receiver taking mapped payloads whose handler forwards the mapped bytes with <c>send</c> and grows its memory.</summary>
    private const string Forwarder = """
        (module
          (import "roadrunner" "send" (func $send (param i32 i32 i32) (result i32)))
          (import "roadrunner" "open" (func $open (param i32 i32) (result i32)))
          (import "roadrunner" "claim" (func $claim (param i32 i32 i32) (result i32)))
          (import "roadrunner" "commit" (func $commit (param i32 i32 i32) (result i32)))
          (memory (export "memory") 2)
          (global $claimed (mut i32) (i32.const 0))
          (global $committed (mut i32) (i32.const 1))
          (global $trap (mut i32) (i32.const 0))
          (global $window (mut i32) (i32.const 0))
          (global $handle (mut i32) (i32.const 0))
          (global $sent (mut i32) (i32.const 1))
          (global $grown (mut i32) (i32.const 0))
          (func (export "rr_alloc") (param i32) (result i32) (i32.const 0))
          (func (export "rr_alloc_window") (param i32) (result i32) (global.get $window))
          (func (export "rr_on_message") (param $p i32) (param $n i32)
            (global.set $grown (memory.grow (i32.const 4)))
            (global.set $sent (call $send (global.get $handle) (local.get $p) (local.get $n)))
            (if (global.get $claimed) (then
              (memory.copy (global.get $claimed) (local.get $p) (i32.const 100))
              (global.set $committed (call $commit (global.get $handle) (global.get $claimed) (i32.const 100)))))
            (if (global.get $trap) (then (i32.store8 (local.get $p) (i32.const 0xEE)) unreachable)))
          (func (export "claim") (param i32 i32 i32) (result i32) (call $claim (local.get 0) (local.get 1) (local.get 2)))
          (func (export "set_claimed") (param i32) (global.set $claimed (local.get 0)))
          (func (export "set_trap") (param i32) (global.set $trap (local.get 0)))
          (func (export "committed") (result i32) (global.get $committed))
          (func (export "open") (param i32 i32) (result i32) (call $open (local.get 0) (local.get 1)))
          (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
          (func (export "set_window") (param i32) (global.set $window (local.get 0)))
          (func (export "set_handle") (param i32) (global.set $handle (local.get 0)))
          (func (export "sent") (result i32) (global.get $sent))
          (func (export "grown") (result i32) (global.get $grown)))
        """;

    [TestCase(false)]
    [TestCase(true)]
    public async Task AnEmptyClaimSpansOnePageAndIsCommittedAsAnEmptyPayload(bool regions)
    {
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions));
        IDataHose sink = host.CreateInbox("sink");
        var guest = new ZeroCopyGuest(host.LoadText("g", ZeroCopyGuest.Wat));
        int handle = guest.Open("sink");
        uint window = guest.NewWindow(Length);

        Assert.That(guest.Claim(handle, window, 0), Is.Zero);
        Assert.Multiple(() =>
        {
            Assert.That(guest.Claim(handle, window, 0), Is.EqualTo(BadPointer), "an empty window still spans its page: not twice");
            Assert.That(guest.Claim(handle, window, Length), Is.EqualTo(BadPointer), "nor under a larger one at the same start");
            Assert.That(guest.Claim(handle, (uint)guest.MemoryLength, 0), Is.EqualTo(BadPointer), "nor past the memory's end");
        });
        Assert.That(guest.Commit(handle, window, 0), Is.Zero);
        using HoseLease lease = await sink.ReceiveAsync(Ct);
        Assert.That(lease.Length, Is.Zero);
        Assert.That(host.Pool.LeasedBytes, Is.Zero);
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task LengthsThatWrapAroundAreBadPointers(bool regions)
    {
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions));
        host.CreateInbox("sink");
        var guest = new ZeroCopyGuest(host.LoadText("g", ZeroCopyGuest.Wat));
        int handle = guest.Open("sink");
        uint window = guest.NewWindow(Length);
        uint size = (uint)guest.MemoryLength;
        Assert.Multiple(() =>
        {
            Assert.That(guest.Claim(handle, window, 0xFFFF_0001), Is.EqualTo(BadPointer), "rounds up to 2^32");
            Assert.That(guest.Claim(handle, window, unchecked(0u - window)), Is.EqualTo(BadPointer), "ends exactly at 2^32");
            Assert.That(guest.Claim(handle, window, unchecked(0u - window + 1)), Is.EqualTo(BadPointer), "wraps to the start");
            Assert.That(guest.Claim(handle, size - ZeroCopyGuest.Page, ZeroCopyGuest.Page + 1), Is.EqualTo(BadPointer), "one byte into the next page");
            Assert.That(guest.Claim(handle, size - ZeroCopyGuest.Page, ZeroCopyGuest.Page - 1), Is.Zero, "not a multiple of 64 KiB, ends at the size");
        });
        Assert.That(guest.Abort(handle, size - ZeroCopyGuest.Page), Is.Zero);
        Assert.That(host.Pool.LeasedBytes, Is.Zero);
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task AWindowClaimedOnOneHandleCannotBeClaimedOnAnother(bool regions)
    {
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions));
        host.CreateInbox("a");
        host.CreateInbox("b");
        var guest = new ZeroCopyGuest(host.LoadText("g", ZeroCopyGuest.Wat));
        int a = guest.Open("a");
        int b = guest.Open("b");
        uint window = guest.NewWindow(Length);
        Assert.That(guest.Claim(a, window, Length), Is.Zero);
        Assert.That(guest.Claim(b, window, Length), Is.EqualTo(BadPointer));
        Assert.That(guest.Abort(a, window), Is.Zero);
        Assert.That(host.Pool.LeasedBytes, Is.Zero);
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task ClosingTheHandleOfAClaimedWindowGivesTheWindowBack(bool regions)
    {
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions));
        IDataHose a = host.CreateInbox("a");
        IDataHose b = host.CreateInbox("b");
        var guest = new ZeroCopyGuest(host.LoadText("g", ZeroCopyGuest.Wat));
        int handle = guest.Open("a");
        uint window = guest.NewWindow(Length);
        Assert.That(guest.Claim(handle, window, Length), Is.Zero);
        Assert.That(guest.Close(handle), Is.Zero);
        Assert.That(host.Pool.LeasedBytes, Is.Zero, "closing the handle gave the window's regions back");
        int reused = guest.Open("b");
        Assert.That(reused, Is.EqualTo(handle), "the handle number is reused");

        Assert.That(guest.Commit(reused, window, 10), Is.EqualTo(BadPointer), "the window is no longer claimed");
        Assert.Multiple(() =>
        {
            Assert.That(a.TryPeekLength(out _), Is.False);
            Assert.That(b.TryPeekLength(out _), Is.False, "a window claimed for a never reaches b");
        });
        Assert.That(guest.Claim(reused, window, Length), Is.Zero, "the window is free to claim again");
        Assert.That(guest.Commit(reused, window, 10), Is.Zero);
        Assert.That(b.TryPeekLength(out long length) ? length : -1, Is.EqualTo(10));
        Assert.That(a.TryPeekLength(out _), Is.False);
    }

    [Test]
    public async Task ReleaseOfAClaimedWindowAndReceiveWindowIntoOneAreBadPointers()
    {
        const string Puller = """
            (module
              (import "roadrunner" "receive_window" (func $rw (param i32 i32) (result i32)))
              (import "roadrunner" "release" (func $release (param i32) (result i32)))
              (import "roadrunner" "claim" (func $claim (param i32 i32 i32) (result i32)))
              (import "roadrunner" "abort" (func $abort (param i32 i32) (result i32)))
              (import "roadrunner" "open" (func $open (param i32 i32) (result i32)))
              (memory (export "memory") 40)
              (data (i32.const 0) "sink")
              (func (export "run") (result i32)
                (local $h i32) (local $r i32)
                (local.set $h (call $open (i32.const 0) (i32.const 4)))
                (if (call $claim (local.get $h) (i32.const 0x10000) (i32.const 0x100000)) (then (return (i32.const 100))))
                (local.set $r (call $release (i32.const 0x10000)))
                (if (i32.ne (local.get $r) (i32.const -2)) (then (return (i32.add (i32.const 200) (local.get $r)))))
                (local.set $r (call $rw (i32.const 0x10000) (i32.const 0x100000)))
                (if (i32.ne (local.get $r) (i32.const -2)) (then (return (i32.add (i32.const 300) (local.get $r)))))
                (local.set $r (call $rw (i32.const 0x80000) (i32.const 0x10000)))
                (if (i32.ne (local.get $r) (i32.const -2)) (then (return (i32.add (i32.const 400) (local.get $r)))))
                (local.set $r (call $release (i32.const 0x200000)))
                (if (i32.ne (local.get $r) (i32.const -2)) (then (return (i32.add (i32.const 500) (local.get $r)))))
                (call $abort (local.get $h) (i32.const 0x10000))))
            """;
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions: true));
        host.CreateInbox("sink");
        WasmFunction puller = host.LoadText("puller", Puller);
        Assert.That(puller.Guest.Inbox.Send(new byte[Length], WaitLimit, Ct), Is.EqualTo(HoseStatus.Ok));
        Assert.That(puller.Run(i => i.GetFunction<int>("run")!()), Is.Zero);
        Assert.That(puller.Guest.InboxHose.QueuedCount, Is.EqualTo(1), "still queued");
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task AHandlerCanForwardItsMappedPayloadAndGrowItsMemory(bool regions)
    {
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions));
        IDataHose sink = host.CreateInbox("sink");
        var sender = new ZeroCopyGuest(host.LoadText("sender", ZeroCopyGuest.Wat));
        WasmFunction forwarder = host.LoadText("fwd", Forwarder);
        var fwd = new ZeroCopyGuest(forwarder);
        uint fwdWindow = fwd.NewWindow(Length);
        fwd.SetWindow(fwdWindow);
        fwd.Write(0, "sink"u8);
        forwarder.Run(i =>
        {
            i.GetAction<int>("set_handle")!(i.GetFunction<int, int, int>("open")!(0, 4));
            return 0;
        });
        int handle = sender.Open("fwd");
        uint window = sender.NewWindow(Length);
        byte[] payload = Payloads.Random((int)Length, seed: 5);
        Assert.That(sender.Claim(handle, window, Length), Is.Zero);
        sender.Write(window, payload);
        Assert.That(sender.Commit(handle, window, Length), Is.Zero);
        Assert.Multiple(() =>
        {
            Assert.That(fwd.Get("sent"), Is.Zero, "forwarded");
            Assert.That(fwd.Get("grown"), Is.GreaterThan(0), "grew inside the handler");
        });
        using HoseLease lease = await sink.ReceiveAsync(Ct);
        Assert.That(Payloads.Diff(lease.Bytes(), payload), Is.Empty, "the forwarded bytes are the payload");
        Assert.That(fwd.Read(fwdWindow, 64), Is.All.EqualTo(0), "the receiver's own bytes are back");
        lease.Dispose();
        Assert.That(host.Pool.LeasedBytes, Is.Zero);
    }

    [TestCase(-1, false, false)]
    [TestCase(0, true, false)]
    [TestCase(1, true, false)]
    [TestCase(-1, false, true)]
    [TestCase(0, true, true)]
    [TestCase(1, true, true)]
    public async Task PayloadsAroundTheCrossoverArriveIntact(int delta, bool mapped, bool regions)
    {
        using var metrics = new MetricRecorder();
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions));
        var sender = new ZeroCopyGuest(host.LoadText("sender", ZeroCopyGuest.Wat));
        var receiver = new ZeroCopyGuest(host.LoadText("receiver", ZeroCopyGuest.Wat));
        int length = (256 * 1024) + delta;
        receiver.SetWindow(receiver.NewWindow(length));
        int handle = sender.Open("receiver");
        uint window = sender.NewWindow(length);
        byte[] payload = Payloads.Random(length, seed: 9);
        Assert.That(sender.Claim(handle, window, (uint)length), Is.Zero);
        sender.Write(window, payload);
        Assert.That(sender.Commit(handle, window, (uint)length), Is.Zero);
        Assert.Multiple(() =>
        {
            Assert.That(receiver.Get("sum"), Is.EqualTo(ZeroCopyGuest.Checksum(payload)));
            Assert.That(receiver.Get("tail"), Is.Zero);
            Assert.That(metrics.Total($"roadrunner.guest.transfers|function=receiver|transfer={(mapped ? "mapped" : "copied")}"), Is.EqualTo(1));
        });
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task AFaultedSenderWithAClaimedWindowGivesItBackOnDispose(bool regions)
    {
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions));
        host.CreateInbox("sink");
        var receiver = new ZeroCopyGuest(host.LoadText("receiver", ZeroCopyGuest.Wat));
        int sinkHandle = receiver.Open("sink");
        uint own = receiver.NewWindow(Length);
        Assert.That(receiver.Claim(sinkHandle, own, Length), Is.Zero);
        receiver.SetWindow(receiver.NewWindow(Length));
        receiver.SetMode(1); // traps
        var sender = new ZeroCopyGuest(host.LoadText("sender", ZeroCopyGuest.Wat));
        int handle = sender.Open("receiver");
        uint window = sender.NewWindow(Length);
        Assert.That(sender.Claim(handle, window, Length), Is.Zero);
        Assert.That(sender.Commit(handle, window, Length), Is.EqualTo((int)HoseStatus.PeerFailed));
        Assert.That(receiver.Function.Guest.IsFaulted, Is.True);
        TestContext.Out.WriteLine($"leased while faulted: {host.Pool.LeasedBytes}");
        await receiver.Function.DisposeAsync();
        Assert.That(host.Pool.LeasedBytes, Is.Zero);
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task AHandlerCommitsAWindowItClaimedBeforeWhileAPayloadIsMapped(bool regions)
    {
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions));
        IDataHose sink = host.CreateInbox("sink");
        var sender = new ZeroCopyGuest(host.LoadText("sender", ZeroCopyGuest.Wat));
        (WasmFunction forwarder, ZeroCopyGuest fwd, uint fwdWindow) = LoadForwarder(host);
        uint claimed = fwd.NewWindow(Length);
        Assert.That(forwarder.Run(i => i.GetFunction<int, int, int, int>("claim")!(1, (int)claimed, (int)Length)), Is.Zero);
        forwarder.Run(i =>
        {
            i.GetAction<int>("set_claimed")!((int)claimed);
            return 0;
        });
        byte[] payload = Payloads.Random((int)Length, seed: 6);
        Assert.That(Hop(sender, payload), Is.Zero);

        Assert.That(fwd.Get("committed"), Is.Zero);
        using HoseLease first = await sink.ReceiveAsync(Ct);
        using HoseLease second = await sink.ReceiveAsync(Ct);
        Assert.Multiple(() =>
        {
            Assert.That(Payloads.Diff(first.Bytes(), payload), Is.Empty, "forwarded with send");
            Assert.That(Payloads.Diff(second.Bytes(), payload.AsSpan(0, 100)), Is.Empty, "committed from the handler");
            Assert.That(fwd.Read(fwdWindow, 64), Is.All.EqualTo(0));
        });
        first.Dispose();
        second.Dispose();
        Assert.That(host.Pool.LeasedBytes, Is.Zero);
    }

    [Test]
    public async Task AHandlerThatWritesIntoItsMappedPayloadThenTrapsLeavesNothingBehind()
    {
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions: false));
        IDataHose sink = host.CreateInbox("sink");
        var sender = new ZeroCopyGuest(host.LoadText("sender", ZeroCopyGuest.Wat));
        (WasmFunction forwarder, ZeroCopyGuest fwd, uint fwdWindow) = LoadForwarder(host);
        forwarder.Run(i =>
        {
            i.GetAction<int>("set_trap")!(1);
            return 0;
        });
        byte[] payload = Payloads.Random((int)Length, seed: 7);
        Assert.That(Hop(sender, payload, out uint window), Is.EqualTo((int)HoseStatus.PeerFailed));
        Assert.Multiple(() =>
        {
            Assert.That(forwarder.Guest.IsFaulted, Is.True);
            Assert.That(fwd.Read(fwdWindow, 64), Is.All.EqualTo(0), "the receiver's own bytes are back");
            Assert.That(sender.Read(window, 1)[0], Is.EqualTo(payload[0]), "the receiver's write never reached the sender");
        });
        using (HoseLease forwarded = await sink.ReceiveAsync(Ct))
        {
            Assert.That(Payloads.Diff(forwarded.Bytes(), payload), Is.Empty, "what it sent before the trap is the payload");
        }

        Assert.That(host.Pool.LeasedBytes, Is.Zero);
    }

    [Test]
    public async Task AWindowOverTheReceiversOwnDataHidesItOnlyWhileTheHandlerRuns()
    {
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions: false));
        var sender = new ZeroCopyGuest(host.LoadText("sender", ZeroCopyGuest.Wat));
        var receiver = new ZeroCopyGuest(host.LoadText("receiver", ZeroCopyGuest.Wat));
        receiver.NewWindow(Length);
        byte[] own = Payloads.Random((int)Length + ZeroCopyGuest.Page, seed: 8);
        receiver.Write(ZeroCopyGuest.Page, own); // page 1 on: where a guest's data or heap would lie
        receiver.SetWindow(ZeroCopyGuest.Page);
        byte[] payload = Payloads.Random((int)Length, seed: 9);
        Assert.That(Hop(sender, payload, "receiver"), Is.Zero);
        Assert.Multiple(() =>
        {
            Assert.That(receiver.Get("sum"), Is.EqualTo(ZeroCopyGuest.Checksum(payload)));
            Assert.That(Payloads.Diff(receiver.Read(ZeroCopyGuest.Page, own.Length), own), Is.Empty, "its own bytes are back");
        });
    }

    [Test]
    public async Task AnEmptyPayloadCanBeReceivedIntoAWindowAndReleased()
    {
        const string Puller = """
            (module
              (import "roadrunner" "receive_window" (func $rw (param i32 i32) (result i32)))
              (import "roadrunner" "release" (func $release (param i32) (result i32)))
              (memory (export "memory") 4)
              (func (export "run") (result i32)
                (local $r i32)
                (local.set $r (call $rw (i32.const 0x10000) (i32.const 0)))
                (if (local.get $r) (then (return (i32.add (i32.const 100) (local.get $r)))))
                (local.set $r (call $rw (i32.const 0x10000) (i32.const 0)))
                (if (i32.ne (local.get $r) (i32.const -2)) (then (return (i32.add (i32.const 200) (local.get $r)))))
                (local.set $r (call $release (i32.const 0x10100)))
                (if (i32.ne (local.get $r) (i32.const -2)) (then (return (i32.add (i32.const 300) (local.get $r)))))
                (local.set $r (call $release (i32.const 0x10000)))
                (if (local.get $r) (then (return (i32.add (i32.const 400) (local.get $r)))))
                (call $rw (i32.const 0x10000) (i32.const 0))))
            """;
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions: false));
        WasmFunction puller = host.LoadText("puller", Puller);
        Assert.That(puller.Guest.Inbox.Send([], WaitLimit, Ct), Is.EqualTo(HoseStatus.Ok));
        Assert.That(puller.Guest.Inbox.Send([], WaitLimit, Ct), Is.EqualTo(HoseStatus.Ok));
        Assert.That(puller.Run(i => i.GetFunction<int>("run")!()), Is.Zero, "the second empty payload, after the release");
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task ACommitToATargetDisposedSinceTheClaimIsClosedAndGivesEverythingBack(bool regions)
    {
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions));
        var sender = new ZeroCopyGuest(host.LoadText("sender", ZeroCopyGuest.Wat));
        var receiver = new ZeroCopyGuest(host.LoadText("receiver", ZeroCopyGuest.Wat));
        receiver.SetWindow(receiver.NewWindow(Length));
        int handle = sender.Open("receiver");
        uint window = sender.NewWindow(Length);
        Assert.That(sender.Claim(handle, window, Length), Is.Zero);
        TestContext.Out.WriteLine($"leased after claim {host.Pool.LeasedBytes}");
        await receiver.Function.DisposeAsync();
        TestContext.Out.WriteLine($"leased after dispose {host.Pool.LeasedBytes}");
        Assert.That(sender.Commit(handle, window, Length), Is.EqualTo((int)HoseStatus.Closed));
        Assert.That(host.Pool.LeasedBytes, Is.Zero);
        Assert.That(sender.Claim(handle, window, Length), Is.Zero.Or.EqualTo((int)HoseStatus.Closed), "the window is free again");
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task AShortCommitOfARegionClaimHoldsOnlyUntilReceived(bool regions)
    {
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions));
        IDataHose sink = host.CreateInbox("sink");
        var sender = new ZeroCopyGuest(host.LoadText("sender", ZeroCopyGuest.Wat));
        int handle = sender.Open("sink");
        uint window = sender.NewWindow(Length);
        sender.Write(window, Enumerable.Repeat((byte)0xAB, 200).ToArray());
        Assert.That(sender.Claim(handle, window, Length), Is.Zero);
        Assert.That(sender.Commit(handle, window, 10), Is.Zero);
        TestContext.Out.WriteLine($"leased after short commit {host.Pool.LeasedBytes}");
        using (HoseLease lease = await sink.ReceiveAsync(Ct))
        {
            Assert.That(lease.Length, Is.EqualTo(10));
        }

        Assert.That(host.Pool.LeasedBytes, Is.Zero);
    }

    /// <summary>A receiver whose rr_alloc_window misbehaves by mode: traps (1), claims the window it returns (2), or whose handler calls receive_window over its own mapped payload (3).</summary>
    private const string Rogue = """
        (module
          (import "roadrunner" "claim" (func $claim (param i32 i32 i32) (result i32)))
          (import "roadrunner" "receive_window" (func $rw (param i32 i32) (result i32)))
          (import "roadrunner" "open" (func $open (param i32 i32) (result i32)))
          (memory (export "memory") 40)
          (data (i32.const 0) "sink")
          (global $mode (mut i32) (i32.const 0))
          (global $inner (mut i32) (i32.const 1))
          (global $count (mut i32) (i32.const 0))
          (func (export "rr_alloc") (param i32) (result i32) (i32.const 0))
          (func (export "rr_alloc_window") (param $n i32) (result i32)
            (if (i32.eq (global.get $mode) (i32.const 1)) (then unreachable))
            (if (i32.eq (global.get $mode) (i32.const 2))
              (then (global.set $inner (call $claim (call $open (i32.const 0) (i32.const 4)) (i32.const 0x10000) (local.get $n)))))
            (i32.const 0x10000))
          (func (export "rr_on_message") (param $p i32) (param $n i32)
            (global.set $count (i32.add (global.get $count) (i32.const 1)))
            (if (i32.eq (global.get $mode) (i32.const 3))
              (then (global.set $inner (call $rw (local.get $p) (local.get $n))))))
          (func (export "set_mode") (param i32) (global.set $mode (local.get 0)))
          (func (export "count") (result i32) (global.get $count))
          (func (export "inner") (result i32) (global.get $inner)))
        """;

    [TestCase(1, (int)HoseStatus.PeerFailed, 0)]
    [TestCase(2, (int)HoseStatus.PeerFailed, 0)]
    [TestCase(3, 0, 1)]
    public async Task AReceiverMisbehavingAroundItsWindowIsRefusedOrFaultedAndLeaksNothing(int mode, int expected, int handled)
    {
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions: true));
        IDataHose sink = host.CreateInbox("sink");
        var sender = new ZeroCopyGuest(host.LoadText("sender", ZeroCopyGuest.Wat));
        var rogue = new ZeroCopyGuest(host.LoadText("rogue", Rogue));
        rogue.SetMode(mode);
        byte[] payload = Payloads.Random((int)Length, seed: mode);
        Assert.That(Hop(sender, payload, "rogue"), Is.EqualTo(expected));
        Assert.That(rogue.Get("count"), Is.EqualTo(handled));
        TestContext.Out.WriteLine($"mode {mode}: inner {rogue.Get("inner")} faulted {rogue.Function.Guest.IsFaulted} leased {host.Pool.LeasedBytes}");
        if (mode == 3)
        {
            Assert.That(rogue.Get("inner"), Is.EqualTo(BadPointer), "receive_window over the mapped payload");
        }

        await rogue.Function.DisposeAsync();
        Assert.That(host.Pool.LeasedBytes, Is.Zero);
        Assert.That(sink.TryPeekLength(out _), Is.False);
    }

    private static (WasmFunction Function, ZeroCopyGuest Guest, uint Window) LoadForwarder(FunctionHost host)
    {
        WasmFunction forwarder = host.LoadText("fwd", Forwarder);
        var fwd = new ZeroCopyGuest(forwarder);
        uint window = fwd.NewWindow(Length);
        fwd.SetWindow(window);
        fwd.Write(0, "sink"u8);
        forwarder.Run(i =>
        {
            i.GetAction<int>("set_handle")!(i.GetFunction<int, int, int>("open")!(0, 4));
            return 0;
        });
        return (forwarder, fwd, window);
    }

    private static int Hop(ZeroCopyGuest sender, byte[] payload, string to = "fwd") => Hop(sender, payload, out _, to);

    private static int Hop(ZeroCopyGuest sender, byte[] payload, out uint window, string to = "fwd")
    {
        int handle = sender.Open(to);
        window = sender.NewWindow(payload.Length);
        Assert.That(sender.Claim(handle, window, (uint)payload.Length), Is.Zero);
        sender.Write(window, payload);
        return sender.Commit(handle, window, (uint)payload.Length);
    }
}
