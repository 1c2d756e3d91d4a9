using System.Diagnostics;
using Roadrunner.Hoses;
using Roadrunner.Regions;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Hoses;

/// <summary>A synchronous in-process send waiting for budget keeps its limit and wakes promptly on a starved thread pool.</summary>
public class StarvedPoolSendTests : FolderTest
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(1); // 10 ms waits; generous for a loaded machine, far below the 10 s a pool-bound wait takes here

    // The starved parts run before the test's first await, on NUnit's own thread, not a pool thread.
    [Test]
    public async Task ASendWaitingForBudgetTimesOutOnTime()
    {
        using RegionPool pool = CreatePool(maxLeased: TestPool.Large);
        await using var hose = new InProcessHose("h", pool);
        Assert.That(hose.Send(new byte[TestPool.Large], Guard), Is.EqualTo(HoseStatus.Ok), "takes the whole budget");

        HoseStatus status;
        TimeSpan elapsed;
        bool probeRan;
        using (var starver = PoolStarver.Start(Guard))
        {
            var clock = Stopwatch.StartNew();
            status = hose.Send(new byte[TestPool.Large], TimeSpan.FromMilliseconds(20));
            elapsed = clock.Elapsed;
            probeRan = starver.ProbeRan;
        }

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(HoseStatus.TimedOut));
            Assert.That(elapsed, Is.LessThan(Prompt));
            Assert.That(probeRan, Is.False, "the pool was starved during the wait");
        });
    }

    [Test]
    public async Task ASendWaitingForBudgetWakesWhenItIsGivenBack()
    {
        using RegionPool pool = CreatePool(maxLeased: TestPool.Large);
        await using var hose = new InProcessHose("h", pool);
        Assert.That(hose.Send(new byte[TestPool.Large], Guard), Is.EqualTo(HoseStatus.Ok), "takes the whole budget");
        Thread sending = Thread.CurrentThread;
        var taker = new Thread(() =>
        {
            // Waits until the send below blocks (the only wait it can block in is the budget's), then gives the
            // queued payload's regions back.
            SpinWait.SpinUntil(() => (sending.ThreadState & System.Threading.ThreadState.WaitSleepJoin) != 0, Guard);
            Assert.That(hose.TryTake(out RegionPayload? payload), Is.True);
            payload!.Release();
        });

        HoseStatus status;
        TimeSpan elapsed;
        bool probeRan;
        using (var starver = PoolStarver.Start(Guard))
        {
            taker.Start();
            var clock = Stopwatch.StartNew();
            status = hose.Send(new byte[TestPool.Large], TimeSpan.FromSeconds(8));
            elapsed = clock.Elapsed;
            probeRan = starver.ProbeRan;
        }

        taker.Join(Guard);
        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(HoseStatus.Ok));
            Assert.That(elapsed, Is.LessThan(Prompt), "woken by the returned budget, without a pool thread");
            Assert.That(probeRan, Is.False, "the pool was starved during the wait");
        });
    }
}
