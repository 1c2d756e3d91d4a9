using Roadrunner.Hosting;
using Roadrunner.Hoses;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Wasm;

/// <summary>
/// The committed Rust guests (guest/rust, built with the roadrunner crate) against the C guests and .NET: the Rust
/// producer's Hose, the consumer's push_handler! exports and its receive/receive_wait into a growing Vec.
/// </summary>
public class RustGuestTests : FolderTest
{
    private const int Seed = 4242;

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(1000)]
    [TestCase(65536)]
    [TestCase((1024 * 1024) + 3)]
    public async Task RustProducerToCConsumer(int length)
    {
        await using FunctionHost host = CreateHost();
        WasmFunction producer = host.LoadFile("producer", RustGuests.Producer);
        WasmFunction consumer = host.LoadFile("consumer", CGuests.Consumer);

        Assert.That(Fill(producer, length, Seed), Is.Not.Zero);
        int status = Produce(producer, length);

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo((int)HoseStatus.Ok));
            Assert.That(Get(consumer, "message_count"), Is.EqualTo(1));
            Assert.That(Get(consumer, "last_length"), Is.EqualTo(length));
            Assert.That(Checksum(consumer), Is.EqualTo(CGuests.Checksum(CGuests.ProducerPattern(length, Seed))));
        });
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(1000)]
    [TestCase(65536)]
    [TestCase((1024 * 1024) + 3)]
    public async Task CProducerToRustConsumer(int length)
    {
        await using FunctionHost host = CreateHost();
        WasmFunction producer = host.LoadFile("producer", CGuests.Producer);
        WasmFunction consumer = host.LoadFile("consumer", RustGuests.Consumer);
        byte[] expected = CGuests.ProducerPattern(length, Seed);

        Assert.That(Fill(producer, length, Seed), Is.Not.Zero);
        int status = Produce(producer, length);

        Assert.Multiple(() =>
        {
            Assert.That(consumer.Guest.IsPushReceiver, Is.True, "push_handler! exports rr_alloc and rr_on_message");
            Assert.That(status, Is.EqualTo((int)HoseStatus.Ok));
            Assert.That(Get(consumer, "message_count"), Is.EqualTo(1), "pushed before produce returned");
            Assert.That(Get(consumer, "last_length"), Is.EqualTo(length));
            Assert.That(Get(consumer, "last_first_byte"), Is.EqualTo(length > 0 ? expected[0] : -1));
            Assert.That(Get(consumer, "last_last_byte"), Is.EqualTo(length > 0 ? expected[^1] : -1));
            Assert.That(Checksum(consumer), Is.EqualTo(CGuests.Checksum(expected)));
        });
    }

    [Test]
    public async Task RustProducerToRustConsumerManyPayloads()
    {
        await using FunctionHost host = CreateHost();
        WasmFunction producer = host.LoadFile("producer", RustGuests.Producer);
        WasmFunction consumer = host.LoadFile("consumer", RustGuests.Consumer);

        // Sizes go up and down, so the consumer's push buffer grows and is reused for smaller payloads.
        int[] lengths = [3001, 200_000, 7, 0, 65_536, 1];
        for (int n = 0; n < lengths.Length; n++)
        {
            Assert.That(Fill(producer, lengths[n], n), Is.Not.Zero);
            Assert.That(TryProduce(producer, lengths[n]), Is.EqualTo((int)HoseStatus.Ok), $"payload {n}");
            Assert.That(Checksum(consumer), Is.EqualTo(CGuests.Checksum(CGuests.ProducerPattern(lengths[n], n))), $"payload {n}");
        }

        Assert.That(Get(consumer, "message_count"), Is.EqualTo(lengths.Length));
    }

    [Test]
    public async Task RustProducerToDotNetInbox()
    {
        await using FunctionHost host = CreateHost();
        var inbox = Track(new InProcessHose("consumer", host.Pool));
        host.AddDirectory(new FakeDirectory().Add("consumer", inbox));
        WasmFunction producer = host.LoadFile("producer", RustGuests.Producer);
        const int length = 70_001;

        Assert.That(Fill(producer, length, 77), Is.Not.Zero);
        Assert.That(Produce(producer, length), Is.EqualTo((int)HoseStatus.Ok));
        Assert.That(TryProduce(producer, 5), Is.EqualTo((int)HoseStatus.Ok));

        byte[] first = await ReceiveBytesAsync(inbox);
        byte[] second = await ReceiveBytesAsync(inbox);

        Assert.Multiple(() =>
        {
            Assert.That(Payloads.Diff(first, CGuests.ProducerPattern(length, 77)), Is.Empty);
            Assert.That(Payloads.Diff(second, CGuests.ProducerPattern(5, 77)), Is.Empty, "the first 5 bytes of the same fill");
        });
    }

    [Test]
    public async Task RustProducerReportsHostStatuses()
    {
        await using FunctionHost host = CreateHost();
        WasmFunction producer = host.LoadFile("producer", RustGuests.Producer);
        Assert.That(Fill(producer, 10, 1), Is.Not.Zero);

        int unknown = Produce(producer, 10);
        int tooLong = Produce(producer, 11);
        int negative = Produce(producer, -1);
        WasmFunction consumer = host.LoadFile("consumer", RustGuests.Consumer);
        int afterLoad = Produce(producer, 10);

        Assert.Multiple(() =>
        {
            Assert.That(unknown, Is.EqualTo((int)HoseStatus.UnknownTarget));
            Assert.That(tooLong, Is.EqualTo((int)HoseStatus.BadPointer), "longer than the fill");
            Assert.That(negative, Is.EqualTo((int)HoseStatus.BadPointer));
            Assert.That(afterLoad, Is.EqualTo((int)HoseStatus.Ok), "a failed open is not cached: the next produce opens again");
            Assert.That(Get(consumer, "message_count"), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task DotNetToRustPushHandler()
    {
        await using FunctionHost host = CreateHost();
        WasmFunction consumer = host.LoadFile("consumer", RustGuests.Consumer);
        IHoseSender toConsumer = host.Open("consumer");

        int[] lengths = [5, 1024 * 1024, 3, 70_000];
        foreach (int length in lengths)
        {
            byte[] payload = CGuests.ProducerPattern(length, length);
            Assert.That(toConsumer.Send(payload, WaitLimit, Ct), Is.EqualTo(HoseStatus.Ok), $"{length} bytes: rr_alloc gave a buffer");
            Assert.That(Checksum(consumer), Is.EqualTo(CGuests.Checksum(payload)), $"{length} bytes");
        }

        Assert.Multiple(() =>
        {
            Assert.That(Get(consumer, "message_count"), Is.EqualTo(lengths.Length));
            Assert.That(consumer.Guest.IsFaulted, Is.False);
        });
    }

    [Test]
    public async Task EmptyPayloadToRustPushHandler()
    {
        await using FunctionHost host = CreateHost();
        WasmFunction consumer = host.LoadFile("consumer", RustGuests.Consumer);
        IHoseSender toConsumer = host.Open("consumer");

        HoseStatus first = toConsumer.TrySend(new byte[] { 9, 8, 7 });
        HoseStatus empty = toConsumer.TrySend([]);

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.EqualTo(HoseStatus.Ok));
            Assert.That(empty, Is.EqualTo(HoseStatus.Ok), "an empty payload is delivered, not refused");
            Assert.That(Get(consumer, "message_count"), Is.EqualTo(2), "the handler ran for the empty payload too");
            Assert.That(Get(consumer, "last_length"), Is.Zero);
            Assert.That(Get(consumer, "last_first_byte"), Is.EqualTo(-1));
            Assert.That(Checksum(consumer), Is.EqualTo(CGuests.Checksum([])));
            Assert.That(consumer.Guest.IsFaulted, Is.False);
        });
    }

    [Test]
    public async Task RustPushHandlerRefusesWhatItCannotAllocateAndCarriesOn()
    {
        await using FunctionHost host = CreateHost();
        WasmFunction consumer = host.LoadFile("consumer", RustGuests.Consumer, new WasmFunctionOptions { MaxMemoryBytes = 2L * 1024 * 1024 });
        IHoseSender toConsumer = host.Open("consumer");

        HoseStatus tooBig = toConsumer.TrySend(new byte[3 * 1024 * 1024]);
        HoseStatus small = toConsumer.TrySend(new byte[] { 1, 2 });

        Assert.Multiple(() =>
        {
            Assert.That(tooBig, Is.EqualTo(HoseStatus.PeerFailed), "rr_alloc answered 0: the memory cannot grow that far");
            Assert.That(small, Is.EqualTo(HoseStatus.Ok));
            Assert.That(Get(consumer, "message_count"), Is.EqualTo(1), "only the small payload reached the handler");
            Assert.That(Get(consumer, "last_length"), Is.EqualTo(2));
            Assert.That(consumer.Guest.IsFaulted, Is.False, "a refusal is not a trap");
        });
    }

    [Test]
    public async Task RustConsumerPullsIntoAGrowingVec()
    {
        await using FunctionHost host = CreateHost();
        WasmFunction consumer = host.LoadFile("consumer", RustGuests.Consumer);
        byte[] small = CGuests.ProducerPattern(5000, 3);
        byte[] large = CGuests.ProducerPattern(70_000, 4);

        (int next, int pulled, long smallSum, int nextLarge, int waited, long largeSum, int afterwards, int timedOut) = consumer.Run(i =>
        {
            // Inside a call the consumer is busy, so these queue instead of being pushed.
            Assert.That(consumer.Guest.Inbox.TrySend(small), Is.EqualTo(HoseStatus.Ok));
            Assert.That(consumer.Guest.Inbox.TrySend(large), Is.EqualTo(HoseStatus.Ok));
            Func<int> nextLength = i.GetFunction<int>("next_length")!;
            Func<long> checksum = i.GetFunction<long>("checksum")!;
            Func<int, int> pullWait = i.GetFunction<int, int>("pull_wait")!;
            int n = nextLength();
            int p = i.GetFunction<int>("pull")!();
            long s = checksum();
            int nl = nextLength();

            // The Vec holds 5000 bytes: receive_wait answers RR_BUFFER_TOO_SMALL and the crate grows it.
            int w = pullWait(1000);
            return (n, p, s, nl, w, checksum(), nextLength(), pullWait(50));
        });

        Assert.Multiple(() =>
        {
            Assert.That(next, Is.EqualTo(small.Length));
            Assert.That(pulled, Is.EqualTo(small.Length));
            Assert.That(smallSum, Is.EqualTo(CGuests.Checksum(small)));
            Assert.That(nextLarge, Is.EqualTo(large.Length));
            Assert.That(waited, Is.EqualTo(large.Length));
            Assert.That(largeSum, Is.EqualTo(CGuests.Checksum(large)));
            Assert.That(afterwards, Is.EqualTo((int)HoseStatus.WouldBlock));
            Assert.That(timedOut, Is.EqualTo((int)HoseStatus.TimedOut));
            Assert.That(Get(consumer, "message_count"), Is.EqualTo(2), "pulled, not pushed as well");
        });
    }

    [Test]
    public async Task RustConsumerPullWithNothingQueuedWouldBlock()
    {
        await using FunctionHost host = CreateHost();
        WasmFunction consumer = host.LoadFile("consumer", RustGuests.Consumer);

        Assert.Multiple(() =>
        {
            Assert.That(Get(consumer, "pull"), Is.EqualTo((int)HoseStatus.WouldBlock));
            Assert.That(Get(consumer, "message_count"), Is.Zero);
        });
    }

    private static int Fill(WasmFunction producer, int length, int seed) =>
        producer.Run(i => i.GetFunction<int, int, int>("fill")!(length, seed));

    private static int Produce(WasmFunction producer, int length) => producer.Run(i => i.GetFunction<int, int>("produce")!(length));

    private static int TryProduce(WasmFunction producer, int length) => producer.Run(i => i.GetFunction<int, int>("try_produce")!(length));

    private static int Get(WasmFunction function, string export) => function.Run(i => i.GetFunction<int>(export)!());

    private static long Checksum(WasmFunction consumer) => consumer.Run(i => i.GetFunction<long>("checksum")!());
}
