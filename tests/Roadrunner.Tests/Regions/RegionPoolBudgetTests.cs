using Roadrunner.Regions;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Regions;

public class RegionPoolBudgetTests : FolderTest
{
    [Test]
    public void TryRentFailsWhenTheBudgetIsSpent()
    {
        using RegionPool pool = CreatePool(maxLeased: TestPool.Large);
        Assert.That(pool.TryRent(TestPool.Large, out RegionPayload full), Is.True);

        Assert.Multiple(() =>
        {
            Assert.That(pool.TryRent(1, out _), Is.False);
            Assert.That(pool.LeasedBytes, Is.EqualTo(TestPool.Large));
        });

        full.Release();
        Assert.That(pool.TryRent(1, out RegionPayload small), Is.True);
        small.Release();
        Assert.That(pool.LeasedBytes, Is.Zero);
    }

    [Test]
    public void RentTimesOutWhenTheBudgetStaysSpent()
    {
        using RegionPool pool = CreatePool(maxLeased: TestPool.Large);
        Assert.That(pool.TryRent(TestPool.Large, out RegionPayload full), Is.True);

        HoseStatus status = pool.Rent(1, TimeSpan.FromMilliseconds(50), CancellationToken.None, out _);

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(HoseStatus.TimedOut));
            Assert.That(pool.LeasedBytes, Is.EqualTo(TestPool.Large));
        });
        full.Release();
        Assert.That(pool.LeasedBytes, Is.Zero);
    }

    [Test]
    public void RentAboveTheBudgetIsTooLargeAtOnce()
    {
        using RegionPool pool = CreatePool(maxLeased: 2L * TestPool.Large);

        HoseStatus status = pool.Rent((2L * TestPool.Large) + 1, Timeout.InfiniteTimeSpan, CancellationToken.None, out _);

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(HoseStatus.TooLarge));
            Assert.That(pool.TryRent((2L * TestPool.Large) + 1, out _), Is.False);
            Assert.That(async () => await pool.RentAsync((2L * TestPool.Large) + 1, Ct),
                Throws.TypeOf<HoseException>().With.Property(nameof(HoseException.Status)).EqualTo(HoseStatus.TooLarge));
            Assert.That(pool.LeasedBytes, Is.Zero);
        });
    }

    [Test]
    public async Task RentAsyncWaitsAndCompletesWhenAPayloadIsReleased()
    {
        using RegionPool pool = CreatePool(maxLeased: TestPool.Large);
        Assert.That(pool.TryRent(TestPool.Large, out RegionPayload full), Is.True);

        Task<RegionPayload> waiting = pool.RentAsync(TestPool.Small, Ct).AsTask();
        Assert.That(waiting.IsCompleted, Is.False);

        full.Release();
        RegionPayload granted = await Within(waiting);

        Assert.Multiple(() =>
        {
            Assert.That(granted.Length, Is.EqualTo(TestPool.Small));
            Assert.That(pool.LeasedBytes, Is.EqualTo(TestPool.Small));
        });
        granted.Release();
        Assert.That(pool.LeasedBytes, Is.Zero);
    }

    [Test]
    public async Task BlockingRentWakesWhenAPayloadIsReleasedOnAnotherThread()
    {
        using RegionPool pool = CreatePool(maxLeased: TestPool.Large);
        Assert.That(pool.TryRent(TestPool.Large, out RegionPayload full), Is.True);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<(HoseStatus Status, RegionPayload Payload)> renter = Task.Run(() =>
        {
            started.SetResult();
            HoseStatus status = pool.Rent(500, WaitLimit, CancellationToken.None, out RegionPayload payload);
            return (status, payload);
        });
        await Within(started.Task);

        full.Release();
        (HoseStatus status, RegionPayload payload) = await Within(renter);

        Assert.That(status, Is.EqualTo(HoseStatus.Ok));
        payload.Release();
        Assert.That(pool.LeasedBytes, Is.Zero);
    }

    [Test]
    public void RentAsyncIsCancellableAndLeavesTheBudgetAlone()
    {
        using RegionPool pool = CreatePool(maxLeased: TestPool.Large);
        Assert.That(pool.TryRent(TestPool.Large, out RegionPayload full), Is.True);
        using var cts = new CancellationTokenSource();
        Task<RegionPayload> waiting = pool.RentAsync(TestPool.Small, cts.Token).AsTask();

        cts.Cancel();

        Assert.That(async () => await Within(waiting), Throws.InstanceOf<OperationCanceledException>());
        full.Release();
        Assert.Multiple(() =>
        {
            Assert.That(pool.LeasedBytes, Is.Zero, "the cancelled rent must not be granted afterwards");
            Assert.That(pool.TryRent(TestPool.Large, out RegionPayload again), Is.True);
            again.Release();
        });
    }

    [Test]
    public async Task LeasedBytesReturnToZeroAfterConcurrentUse()
    {
        using RegionPool pool = CreatePool(maxLeased: 4L * TestPool.Large);
        Task[] workers = [.. Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            for (int i = 0; i < 100; i++)
            {
                RegionPayload payload = await pool.RentAsync(random.Next(0, (2 * TestPool.Large) + 1), Ct);
                Assert.That(pool.LeasedBytes, Is.LessThanOrEqualTo(pool.MaxLeasedBytes));
                payload.Release();
            }
        }))];

        await Within(Task.WhenAll(workers));

        Assert.That(pool.LeasedBytes, Is.Zero);
    }

    [Test]
    public void RentingFromADisposedPoolThrows()
    {
        RegionPool pool = CreatePool();
        pool.Dispose();

        Assert.Multiple(() =>
        {
            Assert.That(() => pool.TryRent(1, out _), Throws.TypeOf<ObjectDisposedException>());
            Assert.That(() => pool.Rent(1, TimeSpan.Zero, CancellationToken.None, out _), Throws.TypeOf<ObjectDisposedException>());
        });
        pool.Dispose(); // twice is harmless
    }
}
