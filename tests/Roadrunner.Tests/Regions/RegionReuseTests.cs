using Roadrunner.Regions;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Regions;

public class RegionReuseTests : FolderTest
{
    [TestCase(1000)]
    [TestCase(TestPool.Small + 1)]
    public void ReleasedRegionComesBackForTheNextPayload(int length)
    {
        using RegionPool pool = CreatePool();
        Assert.That(pool.TryRent(length, out RegionPayload first), Is.True);
        MappedRegion region = first.Chunks[0].Region;
        string path = region.Path;
        long mapped = pool.MappedBytes;
        first.Release();

        Assert.That(pool.TryRent(length, out RegionPayload second), Is.True);
        try
        {
            Assert.Multiple(() =>
            {
                Assert.That(second.Chunks[0].Region, Is.SameAs(region));
                Assert.That(second.Chunks[0].Region.Path, Is.EqualTo(path));
                Assert.That(pool.MappedBytes, Is.EqualTo(mapped), "reuse must not map more");
                Assert.That(RegionFiles(), Has.Length.EqualTo(1));
            });
        }
        finally
        {
            second.Release();
        }
    }

    [Test]
    public void MappedBytesDoNotGrowOverManyRentReleaseCycles()
    {
        using RegionPool pool = CreatePool();
        var random = new Random(7);
        long afterWarmUp = 0;
        for (int i = 0; i < 200; i++)
        {
            Assert.That(pool.TryRent(random.Next(0, (3 * TestPool.Large) + 1), out RegionPayload payload), Is.True);
            payload.Release();
            if (i == 49)
            {
                afterWarmUp = pool.MappedBytes;
            }
        }

        Assert.Multiple(() =>
        {
            Assert.That(afterWarmUp, Is.GreaterThan(0));
            Assert.That(pool.MappedBytes, Is.LessThanOrEqualTo((4L * TestPool.Large) + TestPool.Small));
            Assert.That(pool.LeasedBytes, Is.Zero);
        });
    }

    [Test]
    public void IdleRegionsAboveTheRetentionLimitAreUnmappedAndDeleted()
    {
        // Keep at most two idle small regions.
        using RegionPool pool = CreatePool(maxIdlePerClass: 2L * TestPool.Small);
        var payloads = new List<RegionPayload>();
        for (int i = 0; i < 6; i++)
        {
            Assert.That(pool.TryRent(100, out RegionPayload payload), Is.True);
            payloads.Add(payload);
        }

        Assert.Multiple(() =>
        {
            Assert.That(pool.MappedBytes, Is.EqualTo(6L * TestPool.Small));
            Assert.That(RegionFiles(), Has.Length.EqualTo(6));
        });

        payloads.ForEach(p => p.Release());

        Assert.Multiple(() =>
        {
            Assert.That(pool.MappedBytes, Is.EqualTo(2L * TestPool.Small));
            Assert.That(RegionFiles(), Has.Length.EqualTo(2));
            Assert.That(pool.LeasedBytes, Is.Zero);
        });
    }

    [Test]
    public void ReleasedBytesAreOverwrittenByTheNextPayload()
    {
        using RegionPool pool = CreatePool();
        byte[] first = Payloads.Random(5000, 1);
        byte[] second = Payloads.Random(3000, 2);
        Assert.That(pool.TryRent(first.Length, out RegionPayload a), Is.True);
        a.Fill(first);
        a.Release();

        Assert.That(pool.TryRent(second.Length, out RegionPayload b), Is.True);
        b.Fill(second);
        var copy = new byte[second.Length];
        b.CopyTo(copy);
        b.Release();

        Assert.That(copy, Is.EqualTo(second));
    }

    [Test]
    public void ReferenceCountingReturnsRegionsOnTheLastRelease()
    {
        using RegionPool pool = CreatePool();
        Assert.That(pool.TryRent(10, out RegionPayload payload), Is.True);
        payload.AddReference();
        payload.AddReference();

        payload.Release();
        payload.Release();
        Assert.That(pool.LeasedBytes, Is.EqualTo(TestPool.Small));

        payload.Release();
        Assert.Multiple(() =>
        {
            Assert.That(pool.LeasedBytes, Is.Zero);
            Assert.That(() => payload.Release(), Throws.InvalidOperationException);
            Assert.That(() => payload.AddReference(), Throws.InvalidOperationException);
        });
    }
}
