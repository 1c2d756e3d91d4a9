using System.Diagnostics;
using Roadrunner.Hosting;
using Roadrunner.Hoses.SharedMemory;
using Roadrunner.Workloads;

namespace Roadrunner.Tests.Hoses.SharedMemory;

/// <summary><c>TrySend</c> on a ring never waits, not even behind a blocking send that holds the ring while it waits for room.</summary>
[CancelAfter(60_000)]
public class RingTrySendTests : SharedMemoryTest
{
    private static readonly TimeSpan Blocked = TimeSpan.FromSeconds(3);

    [Test]
    public async Task ATrySendReturnsAtOnceWhileABlockingSendWaitsForASlot()
    {
        CancellationToken token = TestContext.CurrentContext.CancellationToken;
        await using FunctionHost host = ShmSupport.NewHost(Folder);
        SharedMemoryOptions options = ShmSupport.Options(Folder);
        options.RingSlots = 4;
        await using SharedMemoryEndpoint endpoint = host.StartSharedMemoryEndpoint(options);
        await using PeerProcess peer = await ShmSupport.StartPeerAsync(Folder, token, "--inbox", "sink"); // never read: its leases hold the slots
        Assert.That(endpoint.TryResolve("sink", out IHoseSender? sender), Is.True);
        for (int i = 0; i < options.RingSlots; i++)
        {
            Assert.That(sender!.Send(ShmSupport.Pattern(5000, i), TimeSpan.FromSeconds(10), token), Is.EqualTo(HoseStatus.Ok));
        }

        HoseStatus waited = HoseStatus.Internal;
        var waiting = new Thread(() => waited = sender!.Send(ShmSupport.Pattern(5000, 99), Blocked, token));
        var total = Stopwatch.StartNew();
        waiting.Start();
        TimeSpan worst = TimeSpan.Zero;
        int tries = 0;
        var wrong = new List<HoseStatus>();
        while (waiting.IsAlive)
        {
            var clock = Stopwatch.StartNew();
            HoseStatus status = sender!.TrySend(ShmSupport.Pattern(tries % 2 == 0 ? 50 : 5000, 1000 + tries)); // inline, then regions
            worst = clock.Elapsed > worst ? clock.Elapsed : worst;
            tries++;
            if (status != HoseStatus.WouldBlock)
            {
                wrong.Add(status);
            }

            Thread.Yield();
        }

        Assert.Multiple(() =>
        {
            Assert.That(waited, Is.EqualTo(HoseStatus.TimedOut), "the blocking send waited for a slot the whole time");
            Assert.That(total.Elapsed, Is.GreaterThanOrEqualTo(Blocked - TimeSpan.FromMilliseconds(100)));
            Assert.That(wrong, Is.Empty, "the ring is full: every try-send says so");
            Assert.That(tries, Is.GreaterThan(1), "many try-sends ran while it waited");
            Assert.That(worst, Is.LessThan(TimeSpan.FromSeconds(1)), "no try-send waited behind it");
        });
        Assert.That(endpoint.Pool.LeasedBytes, Is.EqualTo(4L * endpoint.Pool.FootprintOf(5000)), "the refused try-sends kept nothing");
    }
}
