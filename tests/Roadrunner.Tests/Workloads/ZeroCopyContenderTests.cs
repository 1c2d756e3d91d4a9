using Roadrunner.Regions;
using Roadrunner.Tests.Support;
using Roadrunner.Workloads;

namespace Roadrunner.Tests.Workloads;

/// <summary>
/// The benchmark contenders of the zero-copy work (samples/Roadrunner.Workloads): the read-all consumer reads what was
/// sent, map-floor and the in-process zero-copy hop deliver and verify the payload (and catch a wrong one), and the
/// zero-copy hop reports the path its payloads took. Timings are not asserted: performance lives in bench/.
/// </summary>
public class ZeroCopyContenderTests : FolderTest
{
    private const int Small = 1_000;
    private const int Large = 1_000_003; // not a whole number of pages: the tail of the last page is not payload
    private const int Mapped = 3_000_003; // above the host's default mapping crossover (2 MiB)

    [Test]
    public async Task TheReadAllConsumerSumsEveryByteItGot()
    {
        await using var chain = InProcessChain.Start(regions: new RegionPoolOptions { FolderPath = Folder });
        var contender = new InProcessContender(chain);
        await contender.SetConsumerAsync(ConsumerWork.ReadAll);
        await contender.PrepareAsync(Large, seed: 7);
        await contender.TransferAsync(Large);

        Assert.That(chain.ConsumerReadSum(), Is.EqualTo(PatternFacts.Of(Large, 7).Sum));
        await contender.SetConsumerAsync(ConsumerWork.Touch);
        await contender.TransferAsync(Large);
        Assert.That(chain.ConsumerReadSum(), Is.Zero, "the touch consumer reads two bytes only");
    }

    [TestCase(ConsumerWork.Touch, 1)]
    [TestCase(ConsumerWork.ReadAll, 1)]
    [TestCase(ConsumerWork.ReadAll, 3)]
    public async Task MapFloorDeliversThroughMappedPagesAndCatchesAWrongChecksum(ConsumerWork work, int receivers)
    {
        await using MapFloor floor = MapFloor.Start(receivers, Folder);
        await floor.SetConsumerAsync(work);
        await floor.PrepareAsync(Large, seed: 11);
        await ((IPayloadContender)floor).TransferAsync(Large);

        Assert.That(await floor.VerifyAsync(Large, ChecksumOf(Large, 11)), Is.True);
        Assert.That(await floor.VerifyAsync(Large, ChecksumOf(Large, 12)), Is.False, "another payload's checksum");
        Assert.That(Directory.GetFiles(Folder), Is.Empty, "map-floor's files are unlinked at once");
    }

    [Test]
    public async Task TheInProcessZeroCopyHopMapsPayloadsAboveTheCrossoverCopiesSmallerOnesAndVerifiesAll()
    {
        await using var contender = new InProcessZeroCopyContender(ZeroCopyChain.Start(1, Folder));
        Assert.That(contender.Chain.Producer.AbiVersion, Is.EqualTo(2));
        foreach ((int size, string path) in new[] { (Small, "copied 3/3"), (Large, "copied 3/3"), (Mapped, "mapped 3/3") })
        {
            await contender.PrepareAsync(size, seed: size);
            _ = await contender.TakePathReportAsync();
            await contender.TransferAsync(size);
            await contender.TransferAsync(size);
            Assert.That(contender.LastHopMicros, Is.GreaterThan(0));
            Assert.That(await contender.VerifyAsync(size, ChecksumOf(size, size)), Is.True, $"{size} bytes");
            Assert.That(await contender.TakePathReportAsync(), Is.EqualTo(path), "two timed transfers and the verifying one");
            Assert.That(await contender.VerifyAsync(size, ChecksumOf(size, size + 2)), Is.False, "another payload's checksum");
        }
    }

    [Test]
    public async Task EveryReceiverOfAZeroCopyFanOutReadsTheWholePayload()
    {
        await using var contender = new InProcessZeroCopyContender(ZeroCopyChain.Start(3, Folder));
        await contender.SetConsumerAsync(ConsumerWork.ReadAll);
        await contender.PrepareAsync(Mapped, seed: 5);
        _ = await contender.TakePathReportAsync();
        await contender.TransferAsync(Mapped);

        for (int i = 0; i < 3; i++)
        {
            Assert.That(contender.Chain.Read64(i, "read_sum"), Is.EqualTo(PatternFacts.Of(Mapped, 5).Sum), $"receiver {i}");
        }

        Assert.That(await contender.VerifyAsync(Mapped, ChecksumOf(Mapped, 5)), Is.True);
        Assert.That(await contender.TakePathReportAsync(), Is.EqualTo("copied 6/6"), "a consumer that reads every byte declines windows: copying is cheaper here");
    }

    private static ulong ChecksumOf(int length, int seed)
    {
        var bytes = new byte[length];
        Checksum.FillPattern(bytes, seed);
        return Checksum.Compute(bytes);
    }
}
