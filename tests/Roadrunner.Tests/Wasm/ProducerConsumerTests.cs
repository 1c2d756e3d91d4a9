using Roadrunner.Hosting;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Wasm;

/// <summary>The C example guests: producer.wasm pushes its fill pattern to consumer.wasm, which checksums it.</summary>
public class ProducerConsumerTests : FolderTest
{
    [Test]
    public void HelpersMatchTheCAlgorithms()
    {
        // Known values worked out from producer.c and consumer.c by hand.
        Assert.Multiple(() =>
        {
            Assert.That(CGuests.ProducerPattern(4, 0), Is.EqualTo(new byte[] { 0x21, 0x20, 0x04, 0x00 }), "state 1 -> 0x00042021");
            Assert.That(CGuests.Checksum([]), Is.EqualTo(unchecked((long)0xcbf29ce484222325UL)));
            Assert.That(CGuests.Checksum([1]), Is.EqualTo(unchecked((long)(((0xcbf29ce484222325UL ^ 1UL) * 0x100000001b3UL) ^ 1UL))));
        });
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(1000)]
    [TestCase(65536)]
    [TestCase((1024 * 1024) + 3)]
    public async Task ConsumerChecksumsWhatTheProducerSent(int length)
    {
        await using FunctionHost host = CreateHost();
        WasmFunction producer = host.LoadFile("producer", CGuests.Producer);
        WasmFunction consumer = host.LoadFile("consumer", CGuests.Consumer);
        const int seed = 12345;

        Assert.That(producer.Run(i => i.GetFunction<int, int, int>("fill")!(length, seed)), Is.Not.Zero);
        int status = producer.Run(i => i.GetFunction<int, int>("produce")!(length));

        Assert.Multiple(() =>
        {
            Assert.That(consumer.Guest.IsPushReceiver, Is.True);
            Assert.That(status, Is.Zero);
            Assert.That(consumer.Run(i => i.GetFunction<int>("message_count")!()), Is.EqualTo(1), "pushed before produce returned");
            Assert.That(consumer.Run(i => i.GetFunction<int>("last_length")!()), Is.EqualTo(length));
            Assert.That(consumer.Run(i => i.GetFunction<long>("checksum")!()), Is.EqualTo(CGuests.Checksum(CGuests.ProducerPattern(length, seed))));
        });
    }

    [Test]
    public async Task ProducerPatternMatchesTheHelperByteForByte()
    {
        await using FunctionHost host = CreateHost();
        WasmFunction producer = host.LoadFile("producer", CGuests.Producer);
        host.LoadText("consumer", Guests.Sink);
        const int length = 70_001;

        Assert.That(producer.Run(i => i.GetFunction<int, int, int>("fill")!(length, 77)), Is.Not.Zero);
        Assert.That(producer.Run(i => i.GetFunction<int, int>("produce")!(length)), Is.Zero);

        Assert.That(Payloads.Diff(await ReceiveBytesAsync(host["consumer"].Guest.Inbox), CGuests.ProducerPattern(length, 77)), Is.Empty);
    }

    [Test]
    public async Task ManyProducedPayloadsAreAllChecksummed()
    {
        await using FunctionHost host = CreateHost();
        WasmFunction producer = host.LoadFile("producer", CGuests.Producer);
        WasmFunction consumer = host.LoadFile("consumer", CGuests.Consumer);

        for (int n = 1; n <= 20; n++)
        {
            int length = n * 3001;
            producer.Run(i => i.GetFunction<int, int, int>("fill")!(length, n));
            Assert.That(producer.Run(i => i.GetFunction<int, int>("try_produce")!(length)), Is.Zero);
            Assert.That(consumer.Run(i => i.GetFunction<long>("checksum")!()), Is.EqualTo(CGuests.Checksum(CGuests.ProducerPattern(length, n))), $"payload {n}");
        }

        Assert.That(consumer.Run(i => i.GetFunction<int>("message_count")!()), Is.EqualTo(20));
    }

    [Test]
    public async Task ConsumerPullsWhatWasQueuedWhileItRan()
    {
        await using FunctionHost host = CreateHost();
        WasmFunction consumer = host.LoadFile("consumer", CGuests.Consumer);
        byte[] payload = CGuests.ProducerPattern(5000, 3);

        (int next, int tooSmall, int stillNext, int pulled, long checksum, int afterwards) = consumer.Run(i =>
        {
            // Inside a call the consumer is busy, so this payload queues instead of being pushed.
            Assert.That(consumer.Guest.Inbox.TrySend(payload), Is.EqualTo(HoseStatus.Ok));
            Func<int> nextLength = i.GetFunction<int>("next_length")!;
            Func<int, int> pull = i.GetFunction<int, int>("pull")!;
            return (nextLength(), pull(4999), nextLength(), pull(payload.Length), i.GetFunction<long>("checksum")!(), nextLength());
        });

        Assert.Multiple(() =>
        {
            Assert.That(next, Is.EqualTo(5000));
            Assert.That(tooSmall, Is.EqualTo((int)HoseStatus.BufferTooSmall));
            Assert.That(stillNext, Is.EqualTo(5000));
            Assert.That(pulled, Is.EqualTo(5000));
            Assert.That(checksum, Is.EqualTo(CGuests.Checksum(payload)));
            Assert.That(afterwards, Is.EqualTo((int)HoseStatus.WouldBlock));
            Assert.That(consumer.Run(i => i.GetFunction<int>("message_count")!()), Is.EqualTo(1), "pulled, not pushed as well");
        });
    }

    [Test]
    public async Task ConsumerPullWaitTimesOut()
    {
        await using FunctionHost host = CreateHost();
        WasmFunction consumer = host.LoadFile("consumer", CGuests.Consumer);

        Assert.That(consumer.Run(i => i.GetFunction<int, int, int>("pull_wait")!(100, 50)), Is.EqualTo((int)HoseStatus.TimedOut));
    }

    [Test]
    public async Task ProducerWithoutAConsumerGetsUnknownTarget()
    {
        await using FunctionHost host = CreateHost();
        WasmFunction producer = host.LoadFile("producer", CGuests.Producer);
        producer.Run(i => i.GetFunction<int, int, int>("fill")!(10, 1));

        Assert.Multiple(() =>
        {
            Assert.That(producer.Run(i => i.GetFunction<int, int>("produce")!(10)), Is.EqualTo((int)HoseStatus.UnknownTarget));
            Assert.That(producer.Run(i => i.GetFunction<int, int>("produce")!(11)), Is.EqualTo((int)HoseStatus.BadPointer), "longer than the fill");
        });
    }
}
