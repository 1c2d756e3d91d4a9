using Roadrunner.Hosting;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Hosting;

/// <summary>
/// A call into a guest that could never start (from inside that guest's own call, or closing a cycle of threads each
/// waiting for the other's guest) fails at once with a clear exception; pushes to a busy guest queue. Nothing hangs.
/// </summary>
public class ReentrancyTests : FolderTest
{
    [Test]
    public async Task ADotNetSenderRunningTheSendingGuestFailsAtOnceAndTheGuestSeesInternal()
    {
        await using FunctionHost host = CreateHost();
        var guest = new GuestCalls(host.LoadText("guest", Guests.Caller));
        Exception? seen = null;
        host.AddDirectory(new FakeDirectory().Add("back", new CallbackSender("back", () =>
        {
            try
            {
                return (HoseStatus)guest.Function.Run(_ => 0);
            }
            catch (Exception e)
            {
                seen = e;
                throw;
            }
        })));
        int handle = guest.Open("back");

        int status = await Within(Task.Run(() => guest.Send(handle, GuestCalls.DataOffset, 10)));

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo((int)HoseStatus.Internal));
            Assert.That(seen, Is.InstanceOf<InvalidOperationException>());
            Assert.That(seen?.Message, Does.Contain("'guest'").And.Contain("re-entering"));
        });
        Assert.That(guest.Function.Run(_ => 7), Is.EqualTo(7), "the guest is free again");
    }

    [Test]
    public async Task RunInsideItsOwnRunFailsAtOnce()
    {
        await using FunctionHost host = CreateHost();
        WasmFunction function = host.LoadText("f", Guests.Caller);

        Task<int> nested = Task.Run(() => function.Run(_ => function.Run(_ => 1)));

        Assert.That(async () => await Within(nested), Throws.InvalidOperationException.With.Message.Contain("'f'"));
        Assert.That(function.Run(_ => 2), Is.EqualTo(2));
    }

    [Test]
    public async Task APushHandlerCallingBackIntoItsOwnGuestSeesInternal()
    {
        await using FunctionHost host = CreateHost();
        WasmFunction relay = host.LoadText("relay", Guests.Relay);
        host.AddDirectory(new FakeDirectory().Add("sink", new CallbackSender("sink", () => (HoseStatus)relay.Run(_ => 0))));
        IHoseSender toRelay = host.Open("relay");

        // Direct push (the relay is idle) ...
        Assert.That(await Within(Task.Run(() => toRelay.Send(new byte[4], WaitLimit))), Is.EqualTo(HoseStatus.Ok));
        Assert.That(relay.Run(r => r.GetFunction<int>("last_status")!()), Is.EqualTo((int)HoseStatus.Internal));

        // ... and a queued one, pushed when the holder's Run leaves.
        await using (await GateHolder.HoldAsync(relay, WaitLimit))
        {
            Assert.That(toRelay.Send(new byte[4], WaitLimit), Is.EqualTo(HoseStatus.Ok), "queued");
        }

        Assert.Multiple(() =>
        {
            Assert.That(relay.Run(r => r.GetFunction<int>("count")!()), Is.EqualTo(2));
            Assert.That(relay.Run(r => r.GetFunction<int>("last_status")!()), Is.EqualTo((int)HoseStatus.Internal));
            Assert.That(relay.Guest.IsFaulted, Is.False);
        });
    }

    [Test]
    public async Task DisposingAFunctionFromInsideItsOwnCallFailsAtOnce()
    {
        await using FunctionHost host = CreateHost();
        WasmFunction function = host.LoadText("f", Guests.Caller);

        Task<Exception?> attempt = Task.Run(() => function.Run(_ =>
        {
            ValueTask disposing = function.DisposeAsync();
            return disposing.IsFaulted ? disposing.AsTask().Exception?.InnerException : null;
        }));

        Exception? failure = await Within(attempt);
        Assert.That(failure, Is.InstanceOf<InvalidOperationException>());
        Assert.That(failure?.Message, Does.Contain("'f'"));
        Assert.That(function.Run(_ => 3), Is.EqualTo(3), "the function is still usable");
    }

    [Test]
    public async Task TwoThreadsRunningEachOthersGuestsDoNotDeadlock()
    {
        await using FunctionHost host = CreateHost();
        WasmFunction a = host.LoadText("a", Guests.Caller);
        WasmFunction b = host.LoadText("b", Guests.Caller);
        using var bothInside = new Barrier(2);

        Exception? Cross(WasmFunction mine, WasmFunction other) => mine.Run(_ =>
        {
            Assert.That(bothInside.SignalAndWait(WaitLimit), Is.True);
            try
            {
                other.Run(_ => 0);
                return null;
            }
            catch (InvalidOperationException e)
            {
                return e;
            }
        });

        Task<Exception?> first = Task.Run(() => Cross(a, b));
        Task<Exception?> second = Task.Run(() => Cross(b, a));
        Exception?[] outcomes = await Within(Task.WhenAll(first, second));

        Exception[] refused = [.. outcomes.OfType<Exception>()];
        Assert.That(refused, Is.Not.Empty, "one of the two waits would have closed the cycle");
        Assert.That(refused[0].Message, Does.Contain("deadlock"));
    }

    [Test]
    public async Task TwoPushGuestsSendingToEachOtherFromTheirHandlersDoNotDeadlock()
    {
        await using FunctionHost host = CreateHost();
        WasmFunction a = host.LoadText("a", Bouncer("b"));
        WasmFunction b = host.LoadText("b", Bouncer("a"));
        WasmFunction done = host.LoadText("done", Guests.Sink);

        // From inside a's handler, the push to b queues (a has less than b's push limit left) or goes straight in; either
        // way a send back to a busy a queues.
        Assert.That(await Within(Task.Run(() => host.Open("a").Send(new byte[] { 40 }, WaitLimit))), Is.EqualTo(HoseStatus.Ok));
        Assert.That(await ReceiveBytesAsync(done.Guest.Inbox), Is.EqualTo(new byte[] { 0 }));

        // Both at once from two threads: each handler finds the other busy and queues.
        Task<HoseStatus> toA = Task.Run(() => host.Open("a").Send(new byte[] { 30 }, WaitLimit));
        Task<HoseStatus> toB = Task.Run(() => host.Open("b").Send(new byte[] { 30 }, WaitLimit));
        Assert.That(await Within(Task.WhenAll(toA, toB)), Is.All.EqualTo(HoseStatus.Ok));
        Assert.That(await ReceiveBytesAsync(done.Guest.Inbox), Is.EqualTo(new byte[] { 0 }));
        Assert.That(await ReceiveBytesAsync(done.Guest.Inbox), Is.EqualTo(new byte[] { 0 }));

        int handled = a.Run(i => i.GetFunction<int>("count")!()) + b.Run(i => i.GetFunction<int>("count")!());
        Assert.That(handled, Is.EqualTo(41 + 31 + 31));
        Assert.That(a.Run(i => i.GetFunction<int>("last_status")!()), Is.Zero);
        Assert.That(b.Run(i => i.GetFunction<int>("last_status")!()), Is.Zero);
    }

    [Test]
    public async Task AFanOutSentFromInsideOneOfItsTargetsQueuesForThatTarget()
    {
        await using FunctionHost host = CreateHost();
        WasmFunction first = host.LoadText("first", Guests.PushReceiver);
        WasmFunction second = host.LoadText("second", Guests.PushReceiver);
        host.AddRoute("both", "first", "second");
        IHoseSender toBoth = host.Open("both");

        HoseStatus sent = await Within(Task.Run(() => first.Run(_ => toBoth.Send(new byte[32], WaitLimit))));

        Assert.Multiple(() =>
        {
            Assert.That(sent, Is.EqualTo(HoseStatus.Ok));
            Assert.That(first.Run(i => i.GetFunction<int>("count")!()), Is.EqualTo(1), "queued, then pushed before Run returned");
            Assert.That(second.Run(i => i.GetFunction<int>("count")!()), Is.EqualTo(1), "pushed straight in");
        });
    }

    [Test]
    public async Task ASendToItsOwnFullInboxFromInsideAPushReceiverDoesNotWait()
    {
        await using FunctionHost host = CreateHost(o =>
        {
            o.Guest.Inbox.MaxQueuedPayloads = 1;
            o.Guest.SendTimeout = TimeSpan.FromSeconds(30);
        });
        WasmFunction receiver = host.LoadText("receiver", Guests.PushReceiver);
        WasmFunction other = host.LoadText("other", Guests.PushReceiver);
        host.AddRoute("both", "receiver", "other");
        IHoseSender direct = host.Open("receiver");
        var clock = System.Diagnostics.Stopwatch.StartNew();

        // Inside its own call the receiver cannot take payloads: its one slot fills, and the next send could only
        // get room once this very call ends, so it must not wait (here: forever).
        (HoseStatus first, HoseStatus second, HoseStatus routed) = await Within(Task.Run(() => receiver.Run(_ => (
            direct.Send(new byte[8], Timeout.InfiniteTimeSpan),
            direct.Send(new byte[8], Timeout.InfiniteTimeSpan),
            host.Open("both").Send(new byte[8], Timeout.InfiniteTimeSpan)))));

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.EqualTo(HoseStatus.Ok), "queued");
            Assert.That(second, Is.EqualTo(HoseStatus.TimedOut));
            Assert.That(routed, Is.EqualTo(HoseStatus.TimedOut));
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)));
            Assert.That(receiver.Run(i => i.GetFunction<int>("count")!()), Is.EqualTo(1), "the queued one was pushed when the call ended");
            Assert.That(other.Run(i => i.GetFunction<int>("count")!()), Is.Zero, "the fan-out stopped at the full target");
        });
    }

    /// <summary>
    /// A push guest that, given a one-byte hop count n, sends n - 1 to <paramref name="peer"/>, or sends 0 to "done"
    /// when n is 0. "count" counts handled payloads, "last_status" is the status of the last send.
    /// </summary>
    private static string Bouncer(string peer) => $$"""
        (module
          (import "roadrunner" "open" (func $open (param i32 i32) (result i32)))
          (import "roadrunner" "send" (func $send (param i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (data (i32.const 0) "{{peer}}")
          (data (i32.const 64) "done")
          (global $peer (mut i32) (i32.const 0))
          (global $done (mut i32) (i32.const 0))
          (global $count (mut i32) (i32.const 0))
          (global $status (mut i32) (i32.const 0))
          (func (export "rr_alloc") (param i32) (result i32) (i32.const 1024))
          (func (export "rr_on_message") (param $ptr i32) (param $len i32)
            (local $hops i32)
            (global.set $count (i32.add (global.get $count) (i32.const 1)))
            (local.set $hops (i32.load8_u (local.get $ptr)))
            (if (i32.eqz (local.get $hops))
              (then
                (if (i32.le_s (global.get $done) (i32.const 0)) (then (global.set $done (call $open (i32.const 64) (i32.const 4)))))
                (global.set $status (call $send (global.get $done) (local.get $ptr) (i32.const 1)))
                (return)))
            (if (i32.le_s (global.get $peer) (i32.const 0)) (then (global.set $peer (call $open (i32.const 0) (i32.const {{peer.Length}})))))
            (i32.store8 (i32.const 2048) (i32.sub (local.get $hops) (i32.const 1)))
            (global.set $status (call $send (global.get $peer) (i32.const 2048) (i32.const 1))))
          (func (export "count") (result i32) (global.get $count))
          (func (export "last_status") (result i32) (global.get $status)))
        """;
}
