using Roadrunner.Hosting;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Wasm;

/// <summary>A receiver that traps is faulted: its senders get RR_PEER_FAILED, everyone else carries on.</summary>
public class PushFaultTests : FolderTest
{
    private const int PeerFailed = (int)HoseStatus.PeerFailed;

    [TestCase("trap_next")]
    [TestCase("trap_alloc_next")]
    public async Task TrapInTheReceiverFaultsItAndOnlyIt(string trapExport)
    {
        await using FunctionHost host = CreateHost();
        var sender = new GuestCalls(host.LoadText("sender", Guests.Caller));
        WasmFunction victim = host.LoadText("victim", Guests.PushReceiver);
        WasmFunction other = host.LoadText("other", Guests.PushReceiver);
        int toVictim = sender.Open("victim");
        int toOther = sender.Open("other");
        Assert.That(sender.Send(toVictim, GuestCalls.DataOffset, 10), Is.Zero);
        victim.Run(i =>
        {
            i.GetAction(trapExport)!();
            return 0;
        });

        int status = sender.Send(toVictim, GuestCalls.DataOffset, 20);

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(PeerFailed));
            Assert.That(victim.Guest.IsFaulted, Is.True);
            Assert.That(sender.Send(toVictim, GuestCalls.DataOffset, 30), Is.EqualTo(PeerFailed), "later sends are refused");
            Assert.That(sender.TrySend(toVictim, GuestCalls.DataOffset, 30), Is.EqualTo(PeerFailed));
            Assert.That(victim.Guest.Inbox.TrySend(new byte[5]), Is.EqualTo(HoseStatus.PeerFailed), ".NET senders too");
            Assert.That(victim.Run(i => i.GetFunction<int>("count")!()), Is.EqualTo(1), "only the first payload was handled");
            Assert.That(other.Guest.IsFaulted, Is.False);
            Assert.That(sender.Send(toOther, GuestCalls.DataOffset, 40), Is.Zero, "another receiver keeps working");
            Assert.That(other.Run(i => i.GetFunction<int>("count")!()), Is.EqualTo(1));
            Assert.That(sender.Open("other"), Is.GreaterThan(0), "the sender keeps working");
        });
    }

    [Test]
    public async Task TrapDuringAQueuedPushFaultsTheReceiverAndDropsTheRest()
    {
        await using FunctionHost host = CreateHost();
        var sender = new GuestCalls(host.LoadText("sender", Guests.Caller));
        WasmFunction victim = host.LoadText("victim", Guests.PushReceiver);
        int handle = sender.Open("victim");
        victim.Run(i =>
        {
            i.GetAction("trap_next")!();
            return 0;
        });

        await using (await GateHolder.HoldAsync(victim, WaitLimit))
        {
            Assert.That(sender.Send(handle, GuestCalls.DataOffset, 10), Is.Zero, "queued: the trap comes later");
            Assert.That(sender.Send(handle, GuestCalls.DataOffset, 20), Is.Zero);
        }

        // The queued payloads are pushed on a pool thread once the gate is free; nothing else signals the fault.
        Assert.That(
            SpinWait.SpinUntil(() => victim.Guest.IsFaulted && host.Pool.LeasedBytes == 0, WaitLimit),
            Is.True,
            "faulted, and the regions of both queued payloads (the trapping one and the dropped one) returned");
        Assert.Multiple(() =>
        {
            Assert.That(sender.Send(handle, GuestCalls.DataOffset, 30), Is.EqualTo(PeerFailed));
            Assert.That(victim.Guest.InboxHose.QueuedCount, Is.Zero, "the rest was dropped");
            Assert.That(victim.Run(i => i.GetFunction<int>("count")!()), Is.Zero, "no payload was handled");
        });
    }

    [Test]
    public async Task FaultedReceiverCanStillBeCalledAndTheHostDisposesCleanly()
    {
        FunctionHost host = CreateHost();
        var sender = new GuestCalls(host.LoadText("sender", Guests.Caller));
        WasmFunction victim = host.LoadText("victim", Guests.PushReceiver);
        int handle = sender.Open("victim");
        victim.Run(i =>
        {
            i.GetAction("trap_next")!();
            return 0;
        });
        Assert.That(sender.Send(handle, GuestCalls.DataOffset, 10), Is.EqualTo(PeerFailed));

        Assert.That(victim.Run(i => i.GetFunction<int>("last_length")!()), Is.EqualTo(-1), "the instance is intact");
        await host.DisposeAsync();

        Assert.That(RegionFiles(), Is.Empty);
    }

    [Test]
    public async Task TrapInAnOrdinaryCallPropagatesToTheCallerAndDoesNotFault()
    {
        await using FunctionHost host = CreateHost();
        WasmFunction receiver = host.LoadText("receiver", Guests.PushReceiver);
        receiver.Run(i =>
        {
            i.GetAction("trap_next")!();
            return 0;
        });

        Assert.That(() => receiver.Run(i =>
        {
            i.GetAction<int, int>("rr_on_message")!(0, 0);
            return 0;
        }), Throws.InstanceOf<Wasmtime.TrapException>());
        Assert.Multiple(() =>
        {
            Assert.That(receiver.Guest.IsFaulted, Is.False, "only a trap during a push faults");
            Assert.That(receiver.Run(i => i.GetFunction<int>("count")!()), Is.Zero, "the gate was released after the trap");
        });
    }
}
