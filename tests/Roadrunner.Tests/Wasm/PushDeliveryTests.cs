using Roadrunner.Hosting;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Wasm;

/// <summary>Push receivers get payloads by rr_alloc + rr_on_message: directly when idle, queued and in order when busy.</summary>
public class PushDeliveryTests : FolderTest
{
    [Test]
    public async Task IdleReceiverRunsItsHandlerInsideTheSend()
    {
        await using FunctionHost host = CreateHost();
        var sender = new GuestCalls(host.LoadText("sender", Guests.Caller));
        WasmFunction receiver = host.LoadText("receiver", Guests.PushReceiver);
        int handle = sender.Open("receiver");

        for (int i = 1; i <= 5; i++)
        {
            Assert.That(sender.Send(handle, GuestCalls.DataOffset, i * 100), Is.EqualTo((int)HoseStatus.Ok));
            Assert.Multiple(() =>
            {
                Assert.That(receiver.Run(r => r.GetFunction<int>("count")!()), Is.EqualTo(i), "delivered before send returned");
                Assert.That(receiver.Run(r => r.GetFunction<int>("last_length")!()), Is.EqualTo(i * 100));
            });
        }

        Assert.Multiple(() =>
        {
            Assert.That(receiver.Guest.IsPushReceiver, Is.True);
            Assert.That(receiver.Guest.InboxHose.QueuedCount, Is.Zero);
            Assert.That(host.Pool.LeasedBytes, Is.Zero, "a direct push uses no region");
        });
    }

    [Test]
    public async Task DirectPushesArriveIntactAndInOrder()
    {
        await using FunctionHost host = CreateHost();
        var sender = new GuestCalls(host.LoadText("sender", Guests.Caller));
        WasmFunction relay = host.LoadText("relay", Guests.Relay);
        WasmFunction sink = host.LoadText("sink", Guests.Sink);
        int handle = sender.Open("relay");
        var sent = new List<byte[]>();

        for (int i = 0; i < 20; i++)
        {
            byte[] payload = Payloads.Numbered(i, 10 + (i * 997));
            sent.Add(payload);
            Assert.That(sender.Send(handle, payload), Is.EqualTo((int)HoseStatus.Ok));
            Assert.That(sink.Guest.InboxHose.QueuedCount, Is.EqualTo(i + 1), "the relay forwarded it before send returned");
        }

        foreach (byte[] expected in sent)
        {
            Assert.That(Payloads.Diff(await ReceiveBytesAsync(sink.Guest.Inbox), expected), Is.Empty);
        }

        Assert.That(relay.Run(r => r.GetFunction<int>("last_status")!()), Is.Zero);
    }

    [Test]
    public async Task PayloadsSentWhileTheReceiverIsBusyQueueAndArriveInOrderAfterwards()
    {
        await using FunctionHost host = CreateHost();
        var sender = new GuestCalls(host.LoadText("sender", Guests.Caller));
        WasmFunction relay = host.LoadText("relay", Guests.Relay);
        WasmFunction sink = host.LoadText("sink", Guests.Sink);
        int handle = sender.Open("relay");

        Assert.That(sender.Send(handle, Payloads.Numbered(0, 100)), Is.EqualTo((int)HoseStatus.Ok));
        await using (await GateHolder.HoldAsync(relay, WaitLimit))
        {
            for (int i = 1; i <= 10; i++)
            {
                Assert.That(sender.Send(handle, Payloads.Numbered(i, 100 * i)), Is.EqualTo((int)HoseStatus.Ok), "a busy receiver must not block the sender");
            }

            Assert.Multiple(() =>
            {
                Assert.That(relay.Guest.InboxHose.QueuedCount, Is.EqualTo(10));
                Assert.That(sink.Guest.Inbox.TryPeekLength(out _), Is.True);
                Assert.That(host.Pool.LeasedBytes, Is.GreaterThan(0), "queued payloads wait in regions");
            });
        }

        for (int i = 0; i <= 10; i++)
        {
            byte[] received = await ReceiveBytesAsync(sink.Guest.Inbox);
            Assert.That(Payloads.NumberOf(received), Is.EqualTo(i));
            Assert.That(Payloads.Diff(received, Payloads.Numbered(i, Math.Max(100 * i, 100))), Is.Empty);
        }

        // A payload sent after the backlog drained goes directly again.
        Assert.That(sender.Send(handle, Payloads.Numbered(11, 50)), Is.EqualTo((int)HoseStatus.Ok));
        Assert.That(Payloads.NumberOf(await ReceiveBytesAsync(sink.Guest.Inbox)), Is.EqualTo(11));
    }

    [Test]
    public async Task ReceiverSendingToItselfGetsItsPayloadsAfterItsCallReturns()
    {
        await using FunctionHost host = CreateHost();
        var relay = new GuestCalls(host.LoadText("relay", Guests.Relay));
        WasmFunction sink = host.LoadText("sink", Guests.Sink);
        int self = relay.Open("relay");
        byte[][] payloads = [.. Enumerable.Range(0, 3).Select(i => Payloads.Numbered(i, 1000 + i))];
        for (int i = 0; i < payloads.Length; i++)
        {
            relay.Write(GuestCalls.DataOffset + (i * 2000), payloads[i]);
        }

        int[] statuses = relay.Function.Run(r =>
        {
            Func<int, int, int, int> send = r.GetFunction<int, int, int, int>("send")!;
            int[] results = [.. Enumerable.Range(0, 3).Select(i => send(self, GuestCalls.DataOffset + (i * 2000), 1000 + i))];
            Assert.That(r.GetFunction<int>("count")!(), Is.Zero, "nothing is pushed into a function while it runs");
            return results;
        });

        Assert.That(statuses, Is.All.EqualTo((int)HoseStatus.Ok));
        foreach (byte[] expected in payloads)
        {
            Assert.That(Payloads.Diff(await ReceiveBytesAsync(sink.Guest.Inbox), expected), Is.Empty);
        }
    }

    [Test]
    public async Task DotNetSendsToAPushReceiverThroughOpenAndInbox()
    {
        await using FunctionHost host = CreateHost();
        WasmFunction relay = host.LoadText("relay", Guests.Relay);
        WasmFunction sink = host.LoadText("sink", Guests.Sink);
        byte[] first = Payloads.Random(3000, 1);
        byte[] second = Payloads.Random(70_000, 2);

        await host.Open("relay").SendAsync(first, Ct);
        await relay.Guest.Inbox.SendAsync(second, Ct);

        Assert.That(Payloads.Diff(await ReceiveBytesAsync(sink.Guest.Inbox), first), Is.Empty);
        Assert.That(Payloads.Diff(await ReceiveBytesAsync(sink.Guest.Inbox), second), Is.Empty);
        Assert.That(host.Open("relay"), Is.SameAs(relay.Guest.Inbox));
    }

    [Test]
    public async Task ClaimCommittedToAPushReceiverIsPushed()
    {
        await using FunctionHost host = CreateHost();
        host.LoadText("relay", Guests.Relay);
        WasmFunction sink = host.LoadText("sink", Guests.Sink);
        byte[] payload = Payloads.Random(5000, 5);

        using (HoseClaim claim = await host.Open("relay").ClaimAsync(payload.Length, Ct))
        {
            payload.CopyTo(claim.Span);
            Assert.That(claim.Commit(), Is.EqualTo(HoseStatus.Ok));
        }

        Assert.That(Payloads.Diff(await ReceiveBytesAsync(sink.Guest.Inbox), payload), Is.Empty);
    }

    [Test]
    public async Task RefusedQueuedPayloadIsDroppedAndTheRestStillArriveInOrder()
    {
        await using FunctionHost host = CreateHost();
        var sender = new GuestCalls(host.LoadText("sender", Guests.Caller));
        WasmFunction relay = host.LoadText("relay", Guests.Relay);
        WasmFunction sink = host.LoadText("sink", Guests.Sink);
        sender.Grow(4); // room for a payload the relay refuses (it takes at most 128 KiB)
        int handle = sender.Open("relay");

        await using (await GateHolder.HoldAsync(relay, WaitLimit))
        {
            Assert.That(sender.Send(handle, Payloads.Numbered(1, 10)), Is.EqualTo((int)HoseStatus.Ok));
            Assert.That(sender.Send(handle, Payloads.Numbered(2, 200_000)), Is.EqualTo((int)HoseStatus.Ok), "queued: the refusal comes later");
            Assert.That(sender.Send(handle, Payloads.Numbered(3, 10)), Is.EqualTo((int)HoseStatus.Ok));
        }

        Assert.That(Payloads.NumberOf(await ReceiveBytesAsync(sink.Guest.Inbox)), Is.EqualTo(1));
        Assert.That(Payloads.NumberOf(await ReceiveBytesAsync(sink.Guest.Inbox)), Is.EqualTo(3));
        Assert.That(relay.Guest.IsFaulted, Is.False, "a refusal is not a fault");
    }

    [Test]
    public async Task ReceiverWhoseAllocGrowsMemoryGetsThePayloadInTheNewPages()
    {
        await using FunctionHost host = CreateHost();
        var receiver = new GuestCalls(host.LoadText("growing", Guests.GrowingReceiver));
        byte[] first = Payloads.Random(200_000, 1);
        byte[] second = Payloads.Random(10, 2);

        await host.Open("growing").SendAsync(first, Ct);
        int firstPointer = receiver.Get("last_ptr");
        await host.Open("growing").SendAsync(second, Ct);

        Assert.Multiple(() =>
        {
            Assert.That(firstPointer, Is.EqualTo(65536), "the first page's end: memory grew from one page");
            Assert.That(Payloads.Diff(receiver.Read(firstPointer, first.Length), first), Is.Empty);
            Assert.That(receiver.Get("last_ptr"), Is.EqualTo(5 * 65536));
            Assert.That(receiver.Read(5 * 65536, second.Length), Is.EqualTo(second));
            Assert.That(receiver.MemoryLength, Is.EqualTo(6 * 65536));
        });
    }
}
