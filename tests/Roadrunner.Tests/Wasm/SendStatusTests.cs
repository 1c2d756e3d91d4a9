using Roadrunner.Hosting;
using Roadrunner.Hoses;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Wasm;

/// <summary>What send and try_send answer when the target cannot take the payload.</summary>
public class SendStatusTests : FolderTest
{
    [Test]
    public async Task PayloadOverTheInboxLimitIsTooLarge()
    {
        await using FunctionHost host = CreateHost(o => o.Guest.Inbox = new HoseOptions { MaxPayloadBytes = 1000 });
        var sender = new GuestCalls(host.LoadText("sender", Guests.Caller));
        var puller = new GuestCalls(host.LoadText("puller", Guests.Caller));
        WasmFunction pushed = host.LoadText("pushed", Guests.PushReceiver);
        int toPuller = sender.Open("puller");
        int toPushed = sender.Open("pushed");

        Assert.Multiple(() =>
        {
            Assert.That(sender.Send(toPuller, GuestCalls.DataOffset, 1001), Is.EqualTo((int)HoseStatus.TooLarge));
            Assert.That(sender.TrySend(toPuller, GuestCalls.DataOffset, 1001), Is.EqualTo((int)HoseStatus.TooLarge));
            Assert.That(sender.Send(toPushed, GuestCalls.DataOffset, 1001), Is.EqualTo((int)HoseStatus.TooLarge));
            Assert.That(pushed.Run(i => i.GetFunction<int>("count")!()), Is.Zero, "a push receiver never sees it");
            Assert.That(puller.NextLength(), Is.EqualTo((int)HoseStatus.WouldBlock));
            Assert.That(sender.Send(toPuller, GuestCalls.DataOffset, 1000), Is.Zero, "exactly the limit is fine");
            Assert.That(sender.Send(toPushed, GuestCalls.DataOffset, 1000), Is.Zero);
        });
    }

    [Test]
    public async Task TrySendWouldBlockAndSendTimesOutWhenTheTargetIsFull()
    {
        await using FunctionHost host = CreateHost(o =>
        {
            o.Guest.Inbox = new HoseOptions { MaxQueuedPayloads = 2 };
            o.Guest.SendTimeout = TimeSpan.FromMilliseconds(100);
        });
        var sender = new GuestCalls(host.LoadText("sender", Guests.Caller));
        var puller = new GuestCalls(host.LoadText("puller", Guests.Caller));
        int handle = sender.Open("puller");
        Assert.That(sender.Send(handle, GuestCalls.DataOffset, 1), Is.Zero);
        Assert.That(sender.Send(handle, GuestCalls.DataOffset, 2), Is.Zero);

        Assert.Multiple(() =>
        {
            Assert.That(sender.TrySend(handle, GuestCalls.DataOffset, 3), Is.EqualTo((int)HoseStatus.WouldBlock));
            Assert.That(sender.Send(handle, GuestCalls.DataOffset, 3), Is.EqualTo((int)HoseStatus.TimedOut));
        });

        Assert.That(puller.Receive(GuestCalls.DataOffset, 10), Is.EqualTo(1));
        Assert.That(sender.TrySend(handle, GuestCalls.DataOffset, 3), Is.Zero, "room again after a receive");
        Assert.That(puller.Receive(GuestCalls.DataOffset, 10), Is.EqualTo(2));
        Assert.That(puller.Receive(GuestCalls.DataOffset, 10), Is.EqualTo(3));
    }

    [Test]
    public async Task SendWaitsForRoomMadeByAnotherThread()
    {
        await using FunctionHost host = CreateHost(o => o.Guest.Inbox = new HoseOptions { MaxQueuedPayloads = 1 });
        var sender = new GuestCalls(host.LoadText("sender", Guests.Caller));
        WasmFunction puller = host.LoadText("puller", Guests.Caller);
        int handle = sender.Open("puller");
        Assert.That(sender.Send(handle, GuestCalls.DataOffset, 1), Is.Zero);
        var sending = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<int> blocked = Task.Run(() => sender.Function.Run(i =>
        {
            sending.SetResult();
            return i.GetFunction<int, int, int, int>("send")!(handle, GuestCalls.DataOffset, 2);
        }));
        await Within(sending.Task);

        using (HoseLease first = await puller.Guest.Inbox.ReceiveAsync(Ct))
        {
            Assert.That(first.Length, Is.EqualTo(1));
        }

        Assert.That(await Within(blocked), Is.Zero);
        using HoseLease second = await puller.Guest.Inbox.ReceiveAsync(Ct);
        Assert.That(second.Length, Is.EqualTo(2));
    }

    [Test]
    public async Task TrySendWouldBlockWhenTheRegionBudgetIsSpent()
    {
        await using FunctionHost host = CreateHost(o => o.Regions.MaxLeasedBytes = TestPool.Large);
        var sender = new GuestCalls(host.LoadText("sender", Guests.Caller));
        WasmFunction puller = host.LoadText("puller", Guests.Caller);
        int handle = sender.Open("puller");
        Assert.That(sender.Send(handle, GuestCalls.DataOffset, 100_000), Is.Zero);
        HoseLease held = await puller.Guest.Inbox.ReceiveAsync(Ct);

        Assert.Multiple(() =>
        {
            Assert.That(host.Pool.LeasedBytes, Is.EqualTo(TestPool.Large));
            Assert.That(sender.TrySend(handle, GuestCalls.DataOffset, 10), Is.EqualTo((int)HoseStatus.WouldBlock));
        });
        held.Dispose();
        Assert.That(sender.TrySend(handle, GuestCalls.DataOffset, 10), Is.Zero);
    }

    [Test]
    public async Task SendToACompletedInboxIsClosed()
    {
        await using FunctionHost host = CreateHost();
        var sender = new GuestCalls(host.LoadText("sender", Guests.Caller));
        WasmFunction puller = host.LoadText("puller", Guests.Caller);
        WasmFunction pushed = host.LoadText("pushed", Guests.PushReceiver);
        int toPuller = sender.Open("puller");
        int toPushed = sender.Open("pushed");

        puller.Guest.Inbox.Complete();
        pushed.Guest.Inbox.Complete();

        Assert.Multiple(() =>
        {
            Assert.That(sender.Send(toPuller, GuestCalls.DataOffset, 1), Is.EqualTo((int)HoseStatus.Closed));
            Assert.That(sender.TrySend(toPuller, GuestCalls.DataOffset, 1), Is.EqualTo((int)HoseStatus.Closed));
            Assert.That(sender.Send(toPushed, GuestCalls.DataOffset, 1), Is.EqualTo((int)HoseStatus.Closed));
            Assert.That(pushed.Run(i => i.GetFunction<int>("count")!()), Is.Zero);
        });
    }
}
