using System.Buffers;
using Roadrunner.Hoses;
using Roadrunner.Regions;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Hoses;

/// <summary>Payloads arrive whole and unchanged, whatever their size and however many regions they span.</summary>
public class PayloadIntegrityTests : FolderTest
{
    private const int Small = TestPool.Small;
    private const int Large = TestPool.Large;

    [TestCase(0, true)]
    [TestCase(1, true)]
    [TestCase(Small - 1, true)]
    [TestCase(Small, true)]
    [TestCase(Small + 1, true)]
    [TestCase(Large - 1, true)]
    [TestCase(Large, true)]
    [TestCase(Large + 1, false)]
    [TestCase((3 * Large) + 7, false)]
    public async Task PayloadArrivesIntact(int length, bool singleSegment)
    {
        using RegionPool pool = CreatePool();
        await using var hose = new InProcessHose("h", pool);
        byte[] sent = Payloads.Random(length, length);

        await hose.SendAsync(sent, Ct);
        Assert.That(hose.TryPeekLength(out long peeked), Is.True);
        using HoseLease lease = await hose.ReceiveAsync(Ct);

        Assert.Multiple(() =>
        {
            Assert.That(peeked, Is.EqualTo(length));
            Assert.That(lease.Length, Is.EqualTo(length));
            Assert.That(lease.IsSingleSegment, Is.EqualTo(singleSegment));
            Assert.That(Payloads.Diff(lease.Payload.ToArray(), sent), Is.Empty);
            Assert.That(pool.LeasedBytes, Is.EqualTo(pool.FootprintOf(length)));
        });
    }

    [TestCase(Large + 1)]
    [TestCase((3 * Large) + 7)]
    public void MultiRegionPayloadRefusesContiguousMemoryButCopiesOut(int length)
    {
        using RegionPool pool = CreatePool();
        var hose = Track(new InProcessHose("h", pool));
        byte[] sent = Payloads.Random(length, 11);
        Assert.That(hose.TrySend(sent), Is.EqualTo(HoseStatus.Ok));
        Assert.That(hose.TryReceive(out HoseLease? lease), Is.True);
        using (lease)
        {
            var copy = new byte[length];
            lease!.CopyTo(copy);

            Assert.Multiple(() =>
            {
                Assert.That(() => lease.Memory, Throws.InvalidOperationException);
                Assert.That(Payloads.Diff(copy, sent), Is.Empty);
                Assert.That(lease.Payload.Length, Is.EqualTo(length));
            });
        }
    }

    [Test]
    public async Task MultiSegmentSequenceIsSentAsOnePayload()
    {
        using RegionPool pool = CreatePool();
        await using var hose = new InProcessHose("h", pool);
        byte[] whole = Payloads.Random((2 * Large) + 99, 4);
        ReadOnlySequence<byte> sequence = Segments(whole, 1000, Large, 17);
        Assert.That(sequence.IsSingleSegment, Is.False);

        await hose.SendAsync(sequence, Ct);
        byte[] received = await ReceiveBytesAsync(hose);

        Assert.That(Payloads.Diff(received, whole), Is.Empty);
    }

    [Test]
    public async Task SixtyFourMegabytePayloadArrivesIntact()
    {
        const int length = 64 * 1024 * 1024;
        using RegionPool pool = CreatePool(maxLeased: 80L * 1024 * 1024);
        await using var hose = new InProcessHose("big", pool);
        byte[] sent = Payloads.Random(length, 64);

        await hose.SendAsync(sent, Ct);
        using HoseLease lease = await hose.ReceiveAsync(Ct);

        Assert.Multiple(() =>
        {
            Assert.That(lease.Length, Is.EqualTo(length));
            Assert.That(pool.LeasedBytes, Is.EqualTo(length));
            Assert.That(SameContent(lease.Payload, sent), Is.True);
        });
    }

    [Test]
    public async Task ThousandPayloadsOfRandomSizesArriveInOrder()
    {
        const int count = 1000;
        using RegionPool pool = CreatePool(maxIdlePerClass: 16L * 1024 * 1024);
        await using var hose = new InProcessHose("h", pool);
        var sizes = new Random(1000);
        int[] lengths = [.. Enumerable.Range(0, count).Select(_ => sizes.Next(4, 200_000))];

        Task receiver = Task.Run(async () =>
        {
            for (int i = 0; i < count; i++)
            {
                using HoseLease lease = await hose.ReceiveAsync(Ct);
                byte[] bytes = lease.Bytes();
                Assert.That(Payloads.NumberOf(bytes), Is.EqualTo(i), "out of order");
                Assert.That(Payloads.Diff(bytes, Payloads.Numbered(i, lengths[i])), Is.Empty, $"payload {i} corrupted");
            }
        });

        for (int i = 0; i < count; i++)
        {
            await hose.SendAsync(Payloads.Numbered(i, lengths[i]), Ct);
        }

        await Within(receiver);
        Assert.That(pool.LeasedBytes, Is.Zero);
    }

    private static bool SameContent(ReadOnlySequence<byte> payload, byte[] expected)
    {
        int offset = 0;
        foreach (ReadOnlyMemory<byte> segment in payload)
        {
            if (!segment.Span.SequenceEqual(expected.AsSpan(offset, segment.Length)))
            {
                return false;
            }

            offset += segment.Length;
        }

        return offset == expected.Length;
    }

    /// <summary>Splits <paramref name="bytes"/> into segments of the given sizes (the rest in a last segment).</summary>
    private static ReadOnlySequence<byte> Segments(byte[] bytes, params int[] sizes)
    {
        var chunks = new List<ReadOnlyMemory<byte>>();
        int offset = 0;
        foreach (int size in sizes)
        {
            chunks.Add(bytes.AsMemory(offset, size));
            offset += size;
        }

        chunks.Add(bytes.AsMemory(offset));
        var first = new Segment(chunks[0], 0);
        Segment last = first;
        foreach (ReadOnlyMemory<byte> chunk in chunks.Skip(1))
        {
            last = last.Append(chunk);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
