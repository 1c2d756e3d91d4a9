using Roadrunner.Regions;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Regions;

public class RegionPoolSizeClassTests : FolderTest
{
    private const int Small = TestPool.Small;
    private const int Large = TestPool.Large;

    [TestCase(0, 0)]
    [TestCase(1, Small)]
    [TestCase(Small - 1, Small)]
    [TestCase(Small, Small)]
    [TestCase(Small + 1, Large)]
    [TestCase(Large - 1, Large)]
    [TestCase(Large, Large)]
    [TestCase(Large + 1, Large + Small)]
    [TestCase((3 * Large) + 7, (3 * Large) + Small)]
    [TestCase((2 * Large) + Small + 1, 3L * Large)]
    public void FootprintIsTheSumOfTheChosenRegions(long length, long footprint)
    {
        using RegionPool pool = CreatePool();

        Assert.That(pool.FootprintOf(length), Is.EqualTo(footprint));
    }

    [Test]
    public void FootprintOfANegativeLengthThrows()
    {
        using RegionPool pool = CreatePool();

        Assert.That(() => pool.FootprintOf(-1), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    [TestCase(1, new[] { Small }, new[] { 1 })]
    [TestCase(Small, new[] { Small }, new[] { Small })]
    [TestCase(Small + 1, new[] { Large }, new[] { Small + 1 })]
    [TestCase(Large, new[] { Large }, new[] { Large })]
    [TestCase(Large + 1, new[] { Large, Small }, new[] { Large, 1 })]
    [TestCase((2 * Large) + Small + 5, new[] { Large, Large, Large }, new[] { Large, Large, Small + 5 })]
    public void PayloadIsLaidOutInTheSmallestFittingClassThenLargestChunks(int length, int[] regionSizes, int[] chunkLengths)
    {
        using RegionPool pool = CreatePool();

        Assert.That(pool.TryRent(length, out RegionPayload payload), Is.True);
        try
        {
            Assert.Multiple(() =>
            {
                Assert.That(payload.Chunks.Select(c => c.Region.Length), Is.EqualTo(regionSizes));
                Assert.That(payload.Chunks.Select(c => c.Length), Is.EqualTo(chunkLengths));
                Assert.That(payload.Length, Is.EqualTo(length));
                Assert.That(payload.Footprint, Is.EqualTo(regionSizes.Sum(s => (long)s)));
                Assert.That(pool.LeasedBytes, Is.EqualTo(payload.Footprint));
            });
        }
        finally
        {
            payload.Release();
        }

        Assert.That(pool.LeasedBytes, Is.Zero);
    }

    [Test]
    public void EmptyPayloadTakesNoRegionAndNoBudget()
    {
        using RegionPool pool = CreatePool();

        Assert.That(pool.TryRent(0, out RegionPayload payload), Is.True);
        Assert.Multiple(() =>
        {
            Assert.That(payload.Chunks, Is.Empty);
            Assert.That(payload.AsSequence().IsEmpty, Is.True);
            Assert.That(pool.LeasedBytes, Is.Zero);
            Assert.That(pool.MappedBytes, Is.Zero);
        });
        payload.Release();
        Assert.That(pool.LeasedBytes, Is.Zero);
    }

    [Test]
    public void SizeClassesAreSortedWhateverOrderTheyAreGivenIn()
    {
        using var pool = new RegionPool(new RegionPoolOptions
        {
            FolderPath = Folder,
            SizeClasses = [Large, 4096, Small],
            MaxLeasedBytes = 4L * Large,
        });

        Assert.Multiple(() =>
        {
            Assert.That(pool.SizeClasses, Is.EqualTo(new[] { 4096, Small, Large }));
            Assert.That(pool.LargestRegion, Is.EqualTo(Large));
            Assert.That(pool.MaxLeasedBytes, Is.EqualTo(4L * Large));
            Assert.That(pool.FootprintOf(100), Is.EqualTo(4096));
        });
    }
}
