using System.Diagnostics;
using Roadrunner.Hosting;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Wasm;

/// <summary>
/// A push handler waiting in a host call (receive_wait, send waiting for room) is bounded by what is left of its push
/// time limit: at the limit the guest traps and is faulted, and its sender gets RR_PEER_FAILED, as for a handler
/// spinning in wasm.
/// </summary>
public class PushDeadlineInImportTests : FolderTest
{
    private static readonly TimeSpan PushTimeout = TimeSpan.FromMilliseconds(300);

    /// <summary>Its handler calls receive_wait with "set_wait" ms (8000 by default) and returns right after: no loop, no epoch check.</summary>
    private const string Waiter = """
        (module
          (import "roadrunner" "receive_wait" (func $receive_wait (param i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (global $wait (mut i32) (i32.const 8000))
          (global $result (mut i32) (i32.const 1))
          (func (export "rr_alloc") (param i32) (result i32) (i32.const 1024))
          (func (export "rr_on_message") (param i32 i32)
            (global.set $result (call $receive_wait (i32.const 4096) (i32.const 1024) (global.get $wait))))
          (func (export "set_wait") (param i32) (global.set $wait (local.get 0)))
          (func (export "result") (result i32) (global.get $result)))
        """;

    /// <summary>Its handler sends one byte to "full" (waiting for room up to the send timeout) and returns right after.</summary>
    private const string FullSender = """
        (module
          (import "roadrunner" "open" (func $open (param i32 i32) (result i32)))
          (import "roadrunner" "send" (func $send (param i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (data (i32.const 0) "full")
          (global $result (mut i32) (i32.const 1))
          (func (export "rr_alloc") (param i32) (result i32) (i32.const 1024))
          (func (export "rr_on_message") (param i32 i32)
            (global.set $result (call $send (call $open (i32.const 0) (i32.const 4)) (i32.const 1024) (i32.const 1))))
          (func (export "result") (result i32) (global.get $result)))
        """;

    /// <summary>Its handler first waits 500 ms in receive_wait, then sends one byte to "waiter".</summary>
    private const string LateForwarder = """
        (module
          (import "roadrunner" "open" (func $open (param i32 i32) (result i32)))
          (import "roadrunner" "send" (func $send (param i32 i32 i32) (result i32)))
          (import "roadrunner" "receive_wait" (func $receive_wait (param i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (data (i32.const 0) "waiter")
          (global $result (mut i32) (i32.const 1))
          (func (export "rr_alloc") (param i32) (result i32) (i32.const 1024))
          (func (export "rr_on_message") (param i32 i32)
            (drop (call $receive_wait (i32.const 4096) (i32.const 16) (i32.const 500)))
            (global.set $result (call $send (call $open (i32.const 0) (i32.const 6)) (i32.const 1024) (i32.const 1))))
          (func (export "result") (result i32) (global.get $result)))
        """;

    [Test]
    public async Task APushFromAHandlerWithLessTimeLeftThanItMayTakeIsQueued()
    {
        await using FunctionHost host = CreateHost(o => o.Guest.PushTimeout = TimeSpan.FromSeconds(2));
        WasmFunction forwarder = host.LoadText("forwarder", LateForwarder);
        WasmFunction waiter = host.LoadText("waiter", Waiter);

        // The forwarder has 1.5 s left when it sends; the waiter's push may take 2 s: pushing it straight in on the
        // forwarder's thread could make the forwarder overrun, so it queues and the forwarder's send returns at once.
        HoseStatus status = await Within(Task.Run(() => host.Open("forwarder").Send(new byte[1], WaitLimit)));

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(HoseStatus.Ok));
            Assert.That(forwarder.Guest.IsFaulted, Is.False);
            Assert.That(forwarder.Run(i => i.GetFunction<int>("result")!()), Is.EqualTo((int)HoseStatus.Ok), "queued for the waiter");
        });

        // The queued push then runs into the waiter's own deadline, on its own: by a pool drain, or at the latest by
        // this Run, which returns once it was pushed.
        waiter.Run(_ => 0);
        Assert.That(waiter.Guest.IsFaulted, Is.True);
        Assert.That(forwarder.Guest.IsFaulted, Is.False);
    }

    [Test]
    public async Task AHandlerInReceiveWaitIsFaultedAtThePushDeadline()
    {
        await using FunctionHost host = CreateHost(o => o.Guest.PushTimeout = PushTimeout);
        var sender = new GuestCalls(host.LoadText("sender", Guests.Caller));
        WasmFunction waiter = host.LoadText("waiter", Waiter);
        int handle = sender.Open("waiter");
        var clock = Stopwatch.StartNew();

        int status = await Within(Task.Run(() => sender.Send(handle, GuestCalls.DataOffset, 16)));

        AssertFaultedAtTheDeadline(status, clock.Elapsed, waiter);
        Assert.That(sender.Send(handle, GuestCalls.DataOffset, 16), Is.EqualTo((int)HoseStatus.PeerFailed));
    }

    [Test]
    public async Task AHandlerWaitingForRoomToSendIsFaultedAtThePushDeadline()
    {
        await using FunctionHost host = CreateHost(o =>
        {
            o.Guest.PushTimeout = PushTimeout;
            o.Guest.SendTimeout = TimeSpan.FromSeconds(8);
            o.Guest.Inbox.MaxQueuedPayloads = 1;
        });
        WasmFunction handler = host.LoadText("handler", FullSender);
        host.LoadText("full", Guests.Sink);
        Assert.That(host.Open("full").TrySend(new byte[1]), Is.EqualTo(HoseStatus.Ok), "fills the inbox");
        var clock = Stopwatch.StartNew();

        HoseStatus status = await Within(Task.Run(() => host.Open("handler").Send(new byte[1], WaitLimit)));

        AssertFaultedAtTheDeadline((int)status, clock.Elapsed, handler);
    }

    [Test]
    public async Task AQueuedPushWaitingInReceiveWaitIsFaultedAtItsDeadline()
    {
        await using FunctionHost host = CreateHost(o => o.Guest.PushTimeout = PushTimeout);
        WasmFunction waiter = host.LoadText("waiter", Waiter);
        IHoseSender toWaiter = host.Open("waiter");
        var clock = Stopwatch.StartNew();

        await using (await GateHolder.HoldAsync(waiter, WaitLimit))
        {
            Assert.That(toWaiter.Send(new byte[1], WaitLimit), Is.EqualTo(HoseStatus.Ok), "queued");
        }

        // The holder's Run pushed the queued payload before it returned.
        Assert.That(waiter.Guest.IsFaulted, Is.True);
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(4)));
    }

    [Test]
    public async Task AHandlerWhoseWaitEndsInTimeIsNotFaulted()
    {
        await using FunctionHost host = CreateHost(o => o.Guest.PushTimeout = TimeSpan.FromSeconds(5));
        WasmFunction waiter = host.LoadText("waiter", Waiter);
        waiter.Run(i =>
        {
            i.GetAction<int>("set_wait")!(20);
            return 0;
        });

        HoseStatus status = await Within(Task.Run(() => host.Open("waiter").Send(new byte[1], WaitLimit)));

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(HoseStatus.Ok));
            Assert.That(waiter.Guest.IsFaulted, Is.False);
            Assert.That(waiter.Run(i => i.GetFunction<int>("result")!()), Is.EqualTo((int)HoseStatus.TimedOut), "its own timeout ended the wait");
        });
    }

    [Test]
    public async Task OrdinaryCallsWaitInReceiveWaitAsLongAsAsked()
    {
        await using FunctionHost host = CreateHost(o => o.Guest.PushTimeout = TimeSpan.FromMilliseconds(50));
        var puller = new GuestCalls(host.LoadText("puller", Guests.Caller));
        var clock = Stopwatch.StartNew();

        Assert.That(puller.ReceiveWait(4096, 100, 400), Is.EqualTo((int)HoseStatus.TimedOut));
        Assert.That(clock.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(390)), "no push deadline outside a push");
        Assert.That(puller.Function.Guest.IsFaulted, Is.False);
    }

    private static void AssertFaultedAtTheDeadline(int status, TimeSpan elapsed, WasmFunction receiver) => Assert.Multiple(() =>
    {
        Assert.That(status, Is.EqualTo((int)HoseStatus.PeerFailed));
        Assert.That(receiver.Guest.IsFaulted, Is.True);
        Assert.That(elapsed, Is.GreaterThanOrEqualTo(PushTimeout - TimeSpan.FromMilliseconds(20)), "not before the deadline");
        Assert.That(elapsed, Is.LessThan(TimeSpan.FromSeconds(4)), "at the deadline, not at the end of the import's own wait");
    });
}
