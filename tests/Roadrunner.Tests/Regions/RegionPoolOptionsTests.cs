using Roadrunner.Regions;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Regions;

public class RegionPoolOptionsTests : FolderTest
{
    private static IEnumerable<TestCaseData> InvalidSizeClasses()
    {
        yield return new TestCaseData(Array.Empty<int>()).SetName("NoSizeClass");
        yield return new TestCaseData(new[] { 4095 }).SetName("BelowOnePage");
        yield return new TestCaseData(new[] { 0 }).SetName("Zero");
        yield return new TestCaseData(new[] { -4096 }).SetName("Negative");
        yield return new TestCaseData(new[] { 4096, 5000 }).SetName("NotAMultipleOf4096");
        yield return new TestCaseData(new[] { 8192, 4096, 8192 }).SetName("Duplicate");
    }

    [TestCaseSource(nameof(InvalidSizeClasses))]
    public void InvalidSizeClassesThrow(int[] sizeClasses)
    {
        var options = new RegionPoolOptions { FolderPath = Folder, SizeClasses = sizeClasses, MaxLeasedBytes = 1L << 30 };

        Assert.That(() => new RegionPool(options), Throws.ArgumentException);
        Assert.That(Directory.Exists(Folder), Is.False, "nothing is created for options that are refused");
    }

    [Test]
    public void BudgetSmallerThanTheLargestRegionThrows()
    {
        var options = new RegionPoolOptions { FolderPath = Folder, SizeClasses = [TestPool.Small, TestPool.Large], MaxLeasedBytes = TestPool.Large - 1 };

        Assert.That(() => new RegionPool(options), Throws.ArgumentException.With.Property("ParamName").EqualTo("MaxLeasedBytes"));
    }

    [Test]
    public void NegativeIdleBytesThrow()
    {
        var options = new RegionPoolOptions { FolderPath = Folder, SizeClasses = [TestPool.Small], MaxLeasedBytes = TestPool.Small, MaxIdleBytesPerClass = -1 };

        Assert.That(() => new RegionPool(options), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void BudgetOfExactlyTheLargestRegionIsAccepted()
    {
        using var pool = new RegionPool(new RegionPoolOptions { FolderPath = Folder, SizeClasses = [TestPool.Small], MaxLeasedBytes = TestPool.Small, MaxIdleBytesPerClass = 0 });

        Assert.That(pool.MaxLeasedBytes, Is.EqualTo(TestPool.Small));
        Assert.That(pool.TryRent(TestPool.Small, out RegionPayload payload), Is.True);
        payload.Release();
    }

    [Test]
    public void DefaultsAreTheDocumentedOnes()
    {
        var options = new RegionPoolOptions();

        Assert.Multiple(() =>
        {
            Assert.That(options.SizeClasses, Is.Null, "null stands for the defaults, so binding replaces rather than appends");
            Assert.That(RegionPoolOptions.DefaultSizeClasses, Is.EqualTo(new[] { 64 * 1024, 1024 * 1024, 16 * 1024 * 1024, 64 * 1024 * 1024 }));
            Assert.That(options.MaxLeasedBytes, Is.EqualTo(2L * 1024 * 1024 * 1024));
            Assert.That(options.MaxIdleBytesPerClass, Is.EqualTo(128L * 1024 * 1024));
            Assert.That(options.FolderPath, Is.Null);
        });
    }
}
