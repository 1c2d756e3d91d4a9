using Roadrunner.Hoses.SharedMemory;

namespace Roadrunner.Tests.Hoses.SharedMemory;

/// <summary>
/// The receiver's reassembly state machine on its own, without rings or processes: descriptors in, decisions out.
/// The ring sequences start at 0; each test feeds what a sender (well-behaved, dying or hostile) could publish.
/// </summary>
public class PayloadAssemblerTests
{
    private const int Region = 65536;
    private const long MaxPayload = 64L << 20;

    private PayloadAssembler _assembler = null!;

    [SetUp]
    public void NewAssembler() => _assembler = new PayloadAssembler(MaxPayload);

    [Test]
    public void AnInlinePayloadIsDeliveredAtOnce()
    {
        Assert.That(Take(Inline(0, 42)).Step, Is.EqualTo(AssemblyStep.Inline));
        Assert.That(Take(Inline(1, 0)).Step, Is.EqualTo(AssemblyStep.Inline), "an empty payload too");
        Assert.That(_assembler.Next, Is.EqualTo(2));
        Assert.That(_assembler.Partial, Is.Zero);
    }

    [Test]
    public void ABorrowedPayloadIsDeliveredAtOnce()
    {
        Assert.That(Take(Borrowed(0, 5000)).Step, Is.EqualTo(AssemblyStep.Borrowed));
        Assert.That(_assembler.Partial, Is.Zero);
    }

    [Test]
    public void AOneRegionPayloadIsCompleteAndLeasableInPlace()
    {
        AssemblyDecision step = Take(Chunk(0, number: 7, length: 1000, payload: 1000, more: false));

        Assert.That(step, Is.EqualTo(new AssemblyDecision(AssemblyStep.Regions, InPlace: true)));
        Assert.That(_assembler.Pending.ToArray().Select(d => d.RegionNumber), Is.EqualTo(new long[] { 7 }));
    }

    [Test]
    public void AChunkedRegionPayloadWaitsForItsLastChunkThenHandsOutAllInOrder()
    {
        Assert.That(Take(Chunk(0, 1, Region, 150_000, more: true)).Step, Is.EqualTo(AssemblyStep.Wait));
        Assert.That(_assembler.Partial, Is.EqualTo(1));
        Assert.That(Take(Chunk(1, 2, Region, 150_000, more: true)).Step, Is.EqualTo(AssemblyStep.Wait));
        Assert.That(_assembler.Partial, Is.EqualTo(2));
        AssemblyDecision last = Take(Chunk(2, 3, 150_000 - (2 * Region), 150_000, more: false));

        Assert.That(last, Is.EqualTo(new AssemblyDecision(AssemblyStep.Regions, InPlace: true)));
        Assert.That(_assembler.Pending.ToArray().Select(d => d.Sequence), Is.EqualTo(new long[] { 0, 1, 2 }));
        Assert.That(_assembler.Partial, Is.Zero, "complete: nothing is lost if the sender dies now");
    }

    [Test]
    public void ARegionChunkAtAnOffsetCannotBeLeasedInPlace()
    {
        AssemblyDecision step = Take(new Descriptor(0, 1, Region, 4096, 100, 0, 100));

        Assert.That(step.Step, Is.EqualTo(AssemblyStep.Regions));
        Assert.That(step.InPlace, Is.False);
    }

    [Test]
    public void TheNextPayloadStartsAfreshAfterACompleteOne()
    {
        Take(Chunk(0, 1, Region, Region + 10, more: true));
        Take(Chunk(1, 2, 10, Region + 10, more: false));

        Assert.That(Take(Chunk(2, 3, 500, 500, more: false)).Step, Is.EqualTo(AssemblyStep.Regions));
        Assert.That(_assembler.Pending.ToArray().Select(d => d.Sequence), Is.EqualTo(new long[] { 2 }));
        Assert.That(Take(Inline(3, 8)).Step, Is.EqualTo(AssemblyStep.Inline), "an inline payload may follow a region payload");
    }

    [Test]
    public void AStreamIsCopiedOutChunkByChunkAtItsPositions()
    {
        const long Length = (2 * Region) + 123;
        AssemblyDecision first = Take(Streamed(0, 1, Region, Length, more: true));
        AssemblyDecision middle = Take(Streamed(1, 2, Region, Length, more: true));
        AssemblyDecision last = Take(Streamed(2, 1, 123, Length, more: false));

        Assert.That(first, Is.EqualTo(new AssemblyDecision(AssemblyStep.StreamChunk, Position: 0, StartsStream: true)));
        Assert.That(middle, Is.EqualTo(new AssemblyDecision(AssemblyStep.StreamChunk, Position: Region)));
        Assert.That(last, Is.EqualTo(new AssemblyDecision(AssemblyStep.StreamChunk, Position: 2 * Region, EndsStream: true)));
        Assert.That(_assembler.Partial, Is.Zero);
        Assert.That(Take(Streamed(3, 1, 10, 10, more: false)), Is.EqualTo(new AssemblyDecision(AssemblyStep.StreamChunk, StartsStream: true, EndsStream: true)), "the next stream starts afresh");
    }

    [Test]
    public void ADescriptorOutOfOrderFailsAndIsNotTaken()
    {
        Take(Chunk(0, 1, Region, Region + 10, more: true));
        AssemblyDecision step = _assembler.Take(Chunk(2, 2, 10, Region + 10, more: false)); // 1 skipped

        AssertFails(step, "sequence 2, expected 1");
        Assert.That(_assembler.Next, Is.EqualTo(1), "a descriptor that failed is not taken");
    }

    [Test]
    public void ARepeatedDescriptorFails() =>
        AssertFails(TakeAll(Inline(0, 1), Inline(0, 1)), "sequence 0, expected 1");

    [Test]
    public void APayloadMissingAChunkWhenTheSenderDiesIsDroppedAndTheRingGoesOn()
    {
        Take(Chunk(0, 1, Region, 3L * Region, more: true));
        Take(Chunk(1, 2, Region, 3L * Region, more: true));
        Take(Streamed(2, 3, Region, 5L * Region, more: true), expectFail: true); // a stream may not start inside it

        Assert.That(_assembler.Partial, Is.EqualTo(2), "two chunks would be lost");
        _assembler.Reset();
        Assert.That(_assembler.Partial, Is.Zero);
        Assert.That(_assembler.Pending.IsEmpty, Is.True);
    }

    [Test]
    public void AStreamCutOffWhenTheSenderDiesCountsAsPartialUntilReset()
    {
        Take(Streamed(0, 1, Region, 3L * Region, more: true));

        Assert.That(_assembler.Partial, Is.EqualTo(1));
        _assembler.Reset();
        Assert.That(_assembler.Partial, Is.Zero);
    }

    [TestCase("inline", TestName = "AnInlinePayloadInsideAChunkedPayloadFails")]
    [TestCase("borrowed", TestName = "ABorrowedPayloadInsideAChunkedPayloadFails")]
    [TestCase("streamed", TestName = "AStreamInsideARegionPayloadFails")]
    [TestCase("other length", TestName = "AChunkOfAnotherPayloadInsideARegionPayloadFails")]
    public void NothingInterleavesWithARegionPayloadInProgress(string kind)
    {
        Take(Chunk(0, 1, Region, 2L * Region, more: true));
        Descriptor next = kind switch
        {
            "inline" => Inline(1, 10),
            "borrowed" => Borrowed(1, 5000),
            "streamed" => Streamed(1, 2, Region, 8L * Region, more: true),
            _ => Chunk(1, 2, 100, 100, more: false),
        };

        AssertFails(_assembler.Take(next), kind switch
        {
            "inline" => "inline payload inside a chunked payload",
            "borrowed" => "borrowed bytes inside a chunked payload",
            "streamed" => "a stream starts inside another payload",
            _ => "chunk does not continue the payload in progress",
        });
    }

    [TestCase("inline", TestName = "AnInlinePayloadInsideAStreamFails")]
    [TestCase("borrowed", TestName = "ABorrowedPayloadInsideAStreamFails")]
    [TestCase("region", TestName = "ARegionChunkInsideAStreamFails")]
    [TestCase("other stream", TestName = "AStreamWhoseLengthChangesFails")]
    public void NothingInterleavesWithAStreamInProgress(string kind)
    {
        Take(Streamed(0, 1, Region, 3L * Region, more: true));
        Descriptor next = kind switch
        {
            "inline" => Inline(1, 10),
            "borrowed" => Borrowed(1, 5000),
            "region" => Chunk(1, 2, 100, 100, more: false),
            _ => Streamed(1, 2, Region, 4L * Region, more: true),
        };

        AssertFails(_assembler.Take(next), kind switch
        {
            "inline" => "inline payload inside a chunked payload",
            "borrowed" => "borrowed bytes inside a chunked payload",
            "region" => "chunk does not continue the payload in progress",
            _ => "stream length changed",
        });
    }

    [Test]
    public void ChunksAddingUpToMoreThanThePayloadFail() =>
        AssertFails(TakeAll(Chunk(0, 1, Region, Region + 10, more: true), Chunk(1, 2, 20, Region + 10, more: false)), "chunks add up to 65556, not 65546");

    [Test]
    public void ALastChunkThatLeavesThePayloadShortFails() =>
        AssertFails(TakeAll(Chunk(0, 1, Region, 3L * Region, more: true), Chunk(1, 2, Region, 3L * Region, more: false)), "chunks add up to 131072, not 196608");

    [Test]
    public void MoreChunksAfterTheWholePayloadFail() =>
        AssertFails(_assembler.Take(Chunk(0, 1, 100, 100, more: true)), "chunks add up to 100, not 100");

    [Test]
    public void AStreamChunkPastTheStreamsEndFails() =>
        AssertFails(TakeAll(Streamed(0, 1, Region, Region + 10, more: true), Streamed(1, 2, 20, Region + 10, more: true)), "stream chunk does not fit");

    [Test]
    public void AStreamThatEndsShortFails() =>
        AssertFails(TakeAll(Streamed(0, 1, Region, 3L * Region, more: true), Streamed(1, 2, Region, 3L * Region, more: false)), "stream chunk does not fit");

    [TestCase(0L, 1L, Region, 0, 10, 0x10, 10L, "unknown flags 0x10", TestName = "UnknownFlagsFail")]
    [TestCase(0L, 0L, 0, 0, RingLayout.MaxInlineBytes + 1, RingLayout.Inline, RingLayout.MaxInlineBytes + 1L, "inline payload", TestName = "AnInlinePayloadLongerThanASlotFails")]
    [TestCase(0L, 1L, 0, 0, 10, RingLayout.Inline, 10L, "inline payload", TestName = "AnInlinePayloadNamingARegionFails")]
    [TestCase(0L, 0L, Region, 0, 10, 0, 10L, "region number 0", TestName = "ARegionNumberZeroFails")]
    [TestCase(0L, 1L, 5000, 0, 10, 0, 10L, "region size 5000", TestName = "ARegionSizeNotAPageMultipleFails")]
    [TestCase(0L, 1L, Region, 60000, 10000, 0, 10000L, "outside a region", TestName = "BytesPastTheRegionsEndFail")]
    [TestCase(0L, 1L, Region, -1, 10, 0, 10L, "outside a region", TestName = "ANegativeOffsetFails")]
    [TestCase(0L, 1L, Region, 0, 10, 0, MaxPayload + 1, "payload length", TestName = "APayloadAboveTheLimitFails")]
    [TestCase(0L, 1L, Region, 0, 10, 0, 5L, "payload length 5", TestName = "APayloadShorterThanItsChunkFails")]
    [TestCase(0L, 1L, 0, 0, 10, RingLayout.Borrowed | RingLayout.MoreChunks, 10L, "cannot be a chunk", TestName = "ABorrowedChunkFails")]
    public void AMalformedDescriptorFailsAndIsNotTaken(long sequence, long number, int regionSize, int offset, int length, int flags, long payload, string error)
    {
        AssertFails(_assembler.Take(new Descriptor(sequence, number, regionSize, offset, length, flags, payload, (flags & RingLayout.Borrowed) != 0 ? 65536 : 0)), error);
        Assert.That(_assembler.Next, Is.Zero);
    }

    [Test]
    public void ABorrowedDescriptorPastItsMemoryFails() =>
        AssertFails(_assembler.Take(new Descriptor(0, 1, 0, 65000, 1000, RingLayout.Borrowed, 1000, 65536)), "outside a memory of 65536");

    private static Descriptor Inline(long sequence, int length) => new(sequence, 0, 0, 0, length, RingLayout.Inline, length);

    private static Descriptor Borrowed(long sequence, int length) => new(sequence, 1, 0, 0, length, RingLayout.Borrowed, length, 65536);

    private static Descriptor Chunk(long sequence, long number, int length, long payload, bool more) =>
        new(sequence, number, Region, 0, length, more ? RingLayout.MoreChunks : 0, payload);

    private static Descriptor Streamed(long sequence, long number, int length, long payload, bool more) =>
        new(sequence, number, Region, 0, length, RingLayout.Streamed | (more ? RingLayout.MoreChunks : 0), payload);

    private static void AssertFails(AssemblyDecision step, string error)
    {
        Assert.That(step.Step, Is.EqualTo(AssemblyStep.Fail));
        Assert.That(step.Error, Does.Contain(error));
    }

    private AssemblyDecision Take(Descriptor d, bool expectFail = false)
    {
        AssemblyDecision step = _assembler.Take(d);
        Assert.That(step.Step == AssemblyStep.Fail, Is.EqualTo(expectFail), step.Error ?? step.Step.ToString());
        return step;
    }

    /// <summary>Takes every descriptor but the last (each must be accepted); returns the last one's decision.</summary>
    private AssemblyDecision TakeAll(params Descriptor[] descriptors)
    {
        foreach (Descriptor d in descriptors[..^1])
        {
            Take(d);
        }

        return _assembler.Take(descriptors[^1]);
    }
}
