using Roadrunner.Hoses;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Diagnostics;

public class RoadrunnerMetricsTests
{
    private string _folder = null!;
    private MetricRecorder _metrics = null!;

    [SetUp]
    public void Listen()
    {
        _folder = TestPool.NewFolder();
        _metrics = new MetricRecorder();
    }

    [TearDown]
    public void Stop()
    {
        _metrics.Dispose();
        TestPool.Delete(_folder);
    }

    [Test]
    public async Task QueuedPayloadsAreCountedWithTheirBytes()
    {
        using var pool = TestPool.Create(_folder);
        await using var hose = new InProcessHose("metrics", pool);

        Assert.That(hose.TrySend(new byte[100]), Is.EqualTo(HoseStatus.Ok));
        await hose.SendAsync(new byte[23]);

        Assert.That(_metrics.Total("roadrunner.hose.payloads|function=metrics|path=queued"), Is.EqualTo(2));
        Assert.That(_metrics.Total("roadrunner.hose.bytes|function=metrics|path=queued"), Is.EqualTo(123));
        Assert.That(_metrics.Total("roadrunner.regions.created"), Is.EqualTo(2), "two payloads in flight need two regions");
    }

    [Test]
    public async Task ReusedRegionsAreNotCreatedAgain()
    {
        using var pool = TestPool.Create(_folder);
        await using var hose = new InProcessHose("metrics", pool);
        for (int i = 0; i < 10; i++)
        {
            Assert.That(hose.TrySend(new byte[10]), Is.EqualTo(HoseStatus.Ok));
            Assert.That(hose.TryReceive(out HoseLease? lease), Is.True);
            lease!.Dispose();
        }

        Assert.That(_metrics.Total("roadrunner.regions.created"), Is.EqualTo(1));
    }
}
