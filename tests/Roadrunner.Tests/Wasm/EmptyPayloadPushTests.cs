using Roadrunner.Hosting;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Wasm;

/// <summary>
/// An empty payload is delivered to a push receiver without asking rr_alloc for a buffer: the handler gets (0, 0).
/// A receiver whose rr_alloc answers 0 for a length of 0 (as C's malloc(0) may) must not refuse empty payloads.
/// </summary>
public class EmptyPayloadPushTests : FolderTest
{
    /// <summary>rr_alloc answers 0 for 0 bytes and counts its calls; the handler records what it was given.</summary>
    private const string MallocLikeReceiver = """
        (module
          (memory (export "memory") 1)
          (global $allocs (mut i32) (i32.const 0))
          (global $count (mut i32) (i32.const 0))
          (global $ptr (mut i32) (i32.const -1))
          (global $len (mut i32) (i32.const -1))
          (func (export "rr_alloc") (param $len i32) (result i32)
            (global.set $allocs (i32.add (global.get $allocs) (i32.const 1)))
            (if (result i32) (i32.eqz (local.get $len)) (then (i32.const 0)) (else (i32.const 1024))))
          (func (export "rr_on_message") (param $ptr i32) (param $len i32)
            (global.set $count (i32.add (global.get $count) (i32.const 1)))
            (global.set $ptr (local.get $ptr))
            (global.set $len (local.get $len)))
          (func (export "allocs") (result i32) (global.get $allocs))
          (func (export "count") (result i32) (global.get $count))
          (func (export "last_ptr") (result i32) (global.get $ptr))
          (func (export "last_length") (result i32) (global.get $len)))
        """;

    [Test]
    public async Task AnEmptyPayloadToAnIdleReceiverReachesTheHandlerWithoutRrAlloc()
    {
        await using FunctionHost host = CreateHost();
        var sender = new GuestCalls(host.LoadText("sender", Guests.Caller));
        var receiver = new GuestCalls(host.LoadText("receiver", MallocLikeReceiver));
        int handle = sender.Open("receiver");

        int status = sender.Send(handle, GuestCalls.DataOffset, 0);

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo((int)HoseStatus.Ok));
            Assert.That(receiver.Get("count"), Is.EqualTo(1));
            Assert.That(receiver.Get("last_ptr"), Is.Zero);
            Assert.That(receiver.Get("last_length"), Is.Zero);
            Assert.That(receiver.Get("allocs"), Is.Zero, "rr_alloc is not asked for an empty buffer");
            Assert.That(receiver.Function.Guest.IsFaulted, Is.False);
        });
    }

    [Test]
    public async Task QueuedEmptyPayloadsAreDeliveredInOrderWithTheOthers()
    {
        await using FunctionHost host = CreateHost();
        WasmFunction receiver = host.LoadText("receiver", MallocLikeReceiver);
        var calls = new GuestCalls(receiver);
        IHoseSender toReceiver = host.Open("receiver");

        await using (await GateHolder.HoldAsync(receiver, WaitLimit))
        {
            Assert.That(toReceiver.TrySend(new byte[7]), Is.EqualTo(HoseStatus.Ok));
            Assert.That(toReceiver.TrySend([]), Is.EqualTo(HoseStatus.Ok));
        }

        // The holder's Run pushed what queued meanwhile before it returned, or a drain is on its way: wait for both.
        await WaitUntil(() => calls.Get("count") == 2);
        Assert.Multiple(() =>
        {
            Assert.That(calls.Get("last_length"), Is.Zero, "the empty payload came second, as sent");
            Assert.That(calls.Get("allocs"), Is.EqualTo(1), "rr_alloc was asked only for the 7-byte payload");
            Assert.That(receiver.Guest.IsFaulted, Is.False);
        });
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(WaitLimit);
        while (!condition())
        {
            await Task.Yield();
            deadline.Token.ThrowIfCancellationRequested();
        }
    }
}
