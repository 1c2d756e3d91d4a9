using Roadrunner.Hosting;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Wasm;

/// <summary><see cref="WasmFunction.Run{T}"/> returns only once the payloads that queued while it ran were pushed.</summary>
public class RunPushesQueuedTests : FolderTest
{
    private const int Trials = 200;

    [Test]
    public async Task APayloadQueuedDuringRunIsPushedBeforeRunReturns()
    {
        await using FunctionHost host = CreateHost();
        WasmFunction receiver = host.LoadText("receiver", Guests.PushReceiver);
        IHoseSender toReceiver = host.Open("receiver");
        int missing = 0;

        for (int trial = 1; trial <= Trials; trial++)
        {
            // Sent from inside the receiver's own Run: it is busy, so the payload queues.
            HoseStatus sent = receiver.Run(_ => toReceiver.Send(new byte[trial % 50], WaitLimit));
            Assert.That(sent, Is.EqualTo(HoseStatus.Ok));
            if (receiver.Run(r => r.GetFunction<int>("count")!()) != trial)
            {
                missing++;
            }
        }

        Assert.That(missing, Is.Zero, $"payloads not yet pushed when Run returned, of {Trials}");
        Assert.That(receiver.Run(r => r.GetFunction<int>("count")!()), Is.EqualTo(Trials));
    }

    [Test]
    public async Task APayloadAGuestSentWhileAnotherThreadRanTheReceiverIsPushedBeforeThatRunReturns()
    {
        await using FunctionHost host = CreateHost();
        WasmFunction receiver = host.LoadText("receiver", Guests.PushReceiver);
        var sender = new GuestCalls(host.LoadText("sender", Guests.Caller));
        int handle = sender.Open("receiver");
        int missing = 0;

        for (int trial = 1; trial <= Trials; trial++)
        {
            await using (await GateHolder.HoldAsync(receiver, WaitLimit))
            {
                Assert.That(sender.Send(handle, GuestCalls.DataOffset, 16), Is.EqualTo((int)HoseStatus.Ok), "queued");
            }

            // Disposing the holder waited for its Run to return.
            if (receiver.Run(r => r.GetFunction<int>("count")!()) != trial)
            {
                missing++;
            }
        }

        Assert.That(missing, Is.Zero, $"payloads not yet pushed when Run returned, of {Trials}");
    }

    [Test]
    public async Task AReceiverThatTrapsOnTheQueuedPayloadIsFaultedWhenRunReturns()
    {
        await using FunctionHost host = CreateHost();
        WasmFunction receiver = host.LoadText("receiver", Guests.PushReceiver);
        IHoseSender toReceiver = host.Open("receiver");

        receiver.Run(r =>
        {
            r.GetAction("trap_next")!();
            return toReceiver.Send(new byte[8], WaitLimit);
        });

        Assert.That(receiver.Guest.IsFaulted, Is.True, "the push failed before Run returned");
        Assert.That(toReceiver.Send(new byte[8], WaitLimit), Is.EqualTo(HoseStatus.PeerFailed));
    }
}
