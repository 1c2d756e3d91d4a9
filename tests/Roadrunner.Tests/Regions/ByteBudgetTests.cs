using Roadrunner.Regions;

namespace Roadrunner.Tests.Regions;

[CancelAfter(20_000)]
public class ByteBudgetTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    [Test]
    public void TryTakeHandsOutUpToCapacityAndReturnGivesBack()
    {
        var budget = new ByteBudget(100);

        Assert.Multiple(() =>
        {
            Assert.That(budget.TryTake(60), Is.True);
            Assert.That(budget.TryTake(40), Is.True);
            Assert.That(budget.InUse, Is.EqualTo(100));
            Assert.That(budget.TryTake(1), Is.False);
        });

        budget.Return(60);
        Assert.Multiple(() =>
        {
            Assert.That(budget.InUse, Is.EqualTo(40));
            Assert.That(budget.TryTake(60), Is.True);
            Assert.That(budget.TryTake(1), Is.False);
        });
    }

    [Test]
    public void ReturningMoreThanTakenThrows()
    {
        var budget = new ByteBudget(100);
        Assert.That(budget.TryTake(10), Is.True);

        Assert.That(() => budget.Return(11), Throws.InvalidOperationException);
    }

    [TestCase(0)]
    [TestCase(-1)]
    public void CapacityMustBePositive(long capacity) =>
        Assert.That(() => new ByteBudget(capacity), Throws.InstanceOf<ArgumentOutOfRangeException>());

    [Test]
    public void TakeGrantsAtOnceWhenFree()
    {
        var budget = new ByteBudget(100);

        Assert.That(budget.Take(70, TimeSpan.Zero, CancellationToken.None), Is.True);
        Assert.That(budget.InUse, Is.EqualTo(70));
    }

    [Test]
    public void RequestAboveCapacityFailsAtOnceEvenWithAnInfiniteWait()
    {
        var budget = new ByteBudget(100);

        Assert.Multiple(() =>
        {
            Assert.That(budget.TryTake(101), Is.False);
            Assert.That(budget.Take(101, Timeout.InfiniteTimeSpan, CancellationToken.None), Is.False);
        });

        ValueTask<bool> pending = budget.TakeAsync(101, CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(pending.IsCompleted, Is.True, "must not wait for what can never come");
            Assert.That(pending.Result, Is.False);
            Assert.That(budget.InUse, Is.Zero);
        });
    }

    [Test]
    public void TakeTimesOutWithFalseAndKeepsNothing()
    {
        var budget = new ByteBudget(100);
        Assert.That(budget.TryTake(50), Is.True);

        bool taken = budget.Take(80, TimeSpan.FromMilliseconds(50), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(taken, Is.False);
            Assert.That(budget.InUse, Is.EqualTo(50));
            Assert.That(budget.TryTake(50), Is.True, "the timed-out waiter must have left the line");
        });
    }

    [Test]
    public async Task BigWaiterAtTheHeadIsNotStarvedBySmallRequests()
    {
        var budget = new ByteBudget(100);
        Assert.That(budget.TryTake(100), Is.True);
        Task<bool> big = budget.TakeAsync(80, CancellationToken.None).AsTask();

        budget.Return(30); // 30 free: enough for small requests, not for the big one at the head

        Assert.Multiple(() =>
        {
            Assert.That(big.IsCompleted, Is.False);
            Assert.That(budget.TryTake(10), Is.False, "a small TryTake must not jump the line");
        });

        Task<bool> small = budget.TakeAsync(10, CancellationToken.None).AsTask();
        Assert.That(small.IsCompleted, Is.False, "a small waiter queues behind the big one");

        budget.Return(70); // 100 free: big first (80), then small (10)
        Assert.That(await big.WaitAsync(Limit), Is.True);
        Assert.That(await small.WaitAsync(Limit), Is.True);
        Assert.That(budget.InUse, Is.EqualTo(90));
    }

    [Test]
    public async Task WaitersAreServedInArrivalOrder()
    {
        var budget = new ByteBudget(100);
        Assert.That(budget.TryTake(100), Is.True);
        Task<bool> first = budget.TakeAsync(60, CancellationToken.None).AsTask();
        Task<bool> second = budget.TakeAsync(30, CancellationToken.None).AsTask();

        budget.Return(30);
        Assert.Multiple(() =>
        {
            Assert.That(first.IsCompleted, Is.False);
            Assert.That(second.IsCompleted, Is.False, "30 bytes would fit the second, but the first came earlier");
        });

        budget.Return(30);
        Assert.That(await first.WaitAsync(Limit), Is.True);
        Assert.That(second.IsCompleted, Is.False);

        budget.Return(30);
        Assert.That(await second.WaitAsync(Limit), Is.True);
        Assert.That(budget.InUse, Is.EqualTo(100), "100 - 90 returned + 60 + 30 granted");
    }

    [Test]
    public void CancellingAnAsyncWaitThrowsAndGivesNothingAway()
    {
        var budget = new ByteBudget(100);
        Assert.That(budget.TryTake(60), Is.True);
        using var cts = new CancellationTokenSource();
        Task<bool> waiting = budget.TakeAsync(80, cts.Token).AsTask();
        Assert.That(waiting.IsCompleted, Is.False);

        cts.Cancel();

        Assert.That(async () => await waiting.WaitAsync(Limit), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(budget.InUse, Is.EqualTo(60));
        budget.Return(60);
        Assert.That(budget.InUse, Is.Zero, "the cancelled waiter must not be granted later");
    }

    [Test]
    public void CancellingABlockingTakeThrowsAndGivesNothingAway()
    {
        var budget = new ByteBudget(100);
        Assert.That(budget.TryTake(60), Is.True);
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        Assert.That(() => budget.Take(80, Limit, cts.Token), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(budget.InUse, Is.EqualTo(60));
        budget.Return(60);
        Assert.That(budget.InUse, Is.Zero);
    }

    [Test]
    public async Task CancelledHeadWaiterLetsTheNextOneIn()
    {
        var budget = new ByteBudget(100);
        Assert.That(budget.TryTake(50), Is.True);
        using var cts = new CancellationTokenSource();
        Task<bool> big = budget.TakeAsync(80, cts.Token).AsTask();
        Task<bool> small = budget.TakeAsync(10, CancellationToken.None).AsTask();
        Assert.That(small.IsCompleted, Is.False, "queued behind the big waiter although 50 bytes are free");

        cts.Cancel();

        Assert.That(async () => await big.WaitAsync(Limit), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(await small.WaitAsync(Limit), Is.True);
        Assert.That(budget.InUse, Is.EqualTo(60));
    }

    [Test]
    public async Task BlockingTakeWakesWhenBytesReturnFromAnotherThread()
    {
        var budget = new ByteBudget(100);
        Assert.That(budget.TryTake(100), Is.True);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<bool> taker = Task.Run(() =>
        {
            started.SetResult();
            return budget.Take(40, Limit, CancellationToken.None);
        });
        await started.Task.WaitAsync(Limit);

        budget.Return(40);

        Assert.That(await taker.WaitAsync(Limit), Is.True);
        Assert.That(budget.InUse, Is.EqualTo(100));
    }

    [Test]
    public async Task ConcurrentTakersAndReturnersEndBalanced()
    {
        var budget = new ByteBudget(1000);
        Task[] workers = [.. Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            for (int i = 0; i < 500; i++)
            {
                int bytes = random.Next(1, 400);
                Assert.That(await budget.TakeAsync(bytes, CancellationToken.None), Is.True);
                Assert.That(budget.InUse, Is.InRange(bytes, 1000));
                budget.Return(bytes);
            }
        }))];

        await Task.WhenAll(workers).WaitAsync(Limit);

        Assert.That(budget.InUse, Is.Zero);
    }
}
