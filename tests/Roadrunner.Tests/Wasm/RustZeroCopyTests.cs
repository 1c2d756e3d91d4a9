using System.Runtime.Versioning;
using Roadrunner.Hosting;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Wasm;

/// <summary>
/// The committed Rust zero-copy guests (guest/rust/examples/zc_producer and zc_consumer, built with the roadrunner
/// crate's ABI version 2 wrappers): claims committed and aborted through the safe types, payloads pushed mapped into
/// push_handler_windowed!'s window or pulled into a receive_window, and misuse through roadrunner::sys refused.
/// </summary>
[SupportedOSPlatform("linux")]
public class RustZeroCopyTests : FolderTest
{
    private const string Sink = "zc-sink";
    private const int Crossover = 256 * 1024; // ZeroCopyHopTests.ZeroCopy's MappingThreshold
    private const int Large = 4 * 1024 * 1024;

    [TestCase(false)]
    [TestCase(true)]
    public async Task AClaimedPayloadArrivesMappedAboveTheCrossoverAndCopiedBelow(bool regions)
    {
        using var metrics = new MetricRecorder();
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions));
        WasmFunction producer = host.LoadFile("producer", RustGuests.ZeroCopyProducer);
        WasmFunction sink = host.LoadFile(Sink, RustGuests.ZeroCopyConsumer);
        Assert.That(Get(producer, "abi"), Is.EqualTo(2));

        // Up and down: the producer's window grows for larger payloads and is reused for smaller ones; the sink's push
        // buffer (copies) and its window (mapped) interleave.
        int[] sizes = [1000, Large, Crossover - 1, Crossover, 10_000_000, 3, Large + 3];
        int mapped = 0;
        for (int n = 0; n < sizes.Length; n++)
        {
            int length = sizes[n];
            mapped += length >= Crossover ? 1 : 0;
            Assert.That(Produce(producer, length, n + 1), Is.Zero, $"produce {length}");
            Assert.Multiple(() =>
            {
                Assert.That(Get(sink, "message_count"), Is.EqualTo(n + 1), "pushed before commit returned");
                Assert.That(Get(sink, "last_length"), Is.EqualTo(length));
                Assert.That(Checksum(sink), Is.EqualTo(CGuests.Checksum(CGuests.ProducerPattern(length, n + 1))), $"checksum at {length}");
                Assert.That(metrics.Total($"roadrunner.guest.transfers|function={Sink}|transfer=mapped"), Is.EqualTo(mapped), $"mapped up to {length}");
                Assert.That(metrics.Total($"roadrunner.guest.transfers|function={Sink}|transfer=copied"), Is.EqualTo(n + 1 - mapped), $"copied up to {length}");
            });
        }

        Assert.Multiple(() =>
        {
            Assert.That(sink.Guest.IsFaulted, Is.False);
            Assert.That(host.Pool.LeasedBytes, Is.Zero, "every region went back");
        });
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task AnAbortedOrDroppedClaimGivesTheWindowBack(bool regions)
    {
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions));
        WasmFunction producer = host.LoadFile("producer", RustGuests.ZeroCopyProducer);
        WasmFunction sink = host.LoadFile(Sink, RustGuests.ZeroCopyConsumer);
        Assert.That(Produce(producer, Large, 1), Is.Zero);
        uint window = (uint)Get(producer, "window_ptr");

        Assert.That(Call(producer, "abort_claim", Large, 2), Is.Zero, "Claim::abort");
        Assert.That(Call(producer, "drop_claim", Large), Is.Zero, "a dropped claim aborts itself");
        Assert.That(Get(sink, "message_count"), Is.EqualTo(1), "nothing aborted was sent");
        Assert.That(host.Pool.LeasedBytes, Is.Zero, "an aborted claim holds no regions");

        // A window still claimed would make this claim overlap it: RR_BAD_POINTER.
        Assert.That(Produce(producer, Large, 3), Is.Zero, "the same window claimed again");
        Assert.Multiple(() =>
        {
            Assert.That((uint)Get(producer, "window_ptr"), Is.EqualTo(window), "the same window");
            Assert.That(Get(sink, "message_count"), Is.EqualTo(2));
            Assert.That(Checksum(sink), Is.EqualTo(CGuests.Checksum(CGuests.ProducerPattern(Large, 3))));
        });
    }

    [TestCase(1000)]
    [TestCase(Large)]
    public async Task MisuseThroughSysGetsTheDocumentedStatusAndChangesNothing(int length)
    {
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions: false));
        WasmFunction producer = host.LoadFile("producer", RustGuests.ZeroCopyProducer);
        WasmFunction sink = host.LoadFile(Sink, RustGuests.ZeroCopyConsumer);
        const int BadPointer = (int)HoseStatus.BadPointer;

        Assert.That(Call(producer, "commit_twice", length), Is.EqualTo(BadPointer), "a window committed twice");
        Assert.That(Get(sink, "message_count"), Is.EqualTo(1), "the first commit went through, the second did nothing");
        Assert.That(Call(producer, "commit_after_abort", length), Is.EqualTo(BadPointer), "a commit after abort");
        Assert.That(Call(producer, "claim_twice", length), Is.EqualTo(BadPointer), "the same window claimed twice");
        Assert.That(Get(sink, "message_count"), Is.EqualTo(1), "no misuse sent anything");

        Assert.That(Produce(producer, length, 7), Is.Zero, "the safe path still works afterwards");
        Assert.Multiple(() =>
        {
            Assert.That(Get(sink, "message_count"), Is.EqualTo(2));
            Assert.That(Checksum(sink), Is.EqualTo(CGuests.Checksum(CGuests.ProducerPattern(length, 7))));
            Assert.That(producer.Guest.IsFaulted, Is.False);
        });
    }

    [Test]
    public async Task APullReceiverWaitsForAPayloadWithReceiveWindowWait()
    {
        using var metrics = new MetricRecorder();
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions: false));
        WasmFunction consumer = host.LoadFile(Sink, RustGuests.ZeroCopyConsumer);
        byte[] payload = CGuests.ProducerPattern(Large, 12);

        (int timedOut, int pulled, long checksum) = consumer.Run(i =>
        {
            Func<int, int, int> pullWait = i.GetFunction<int, int, int>("pull_wait")!;
            int nothing = pullWait(Large, 20);
            // Inside a call the consumer is busy, so this queues instead of being pushed.
            Assert.That(consumer.Guest.Inbox.TrySend(payload), Is.EqualTo(HoseStatus.Ok));
            return (nothing, pullWait(Large, 10_000), i.GetFunction<long>("checksum")!());
        });

        Assert.Multiple(() =>
        {
            Assert.That(timedOut, Is.EqualTo((int)HoseStatus.TimedOut));
            Assert.That(pulled, Is.EqualTo(Large));
            Assert.That(checksum, Is.EqualTo(CGuests.Checksum(payload)));
            Assert.That(metrics.Total($"roadrunner.guest.transfers|function={Sink}|transfer=mapped"), Is.EqualTo(1));
            Assert.That(host.Pool.LeasedBytes, Is.Zero, "released");
        });
    }

    [TestCase(Large, true)]
    [TestCase(1000, false)]
    [TestCase(0, false)]
    public async Task APullReceiverTakesAPayloadIntoAWindowAndReleasesIt(int length, bool mapped)
    {
        using var metrics = new MetricRecorder();
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions: false));
        WasmFunction consumer = host.LoadFile(Sink, RustGuests.ZeroCopyConsumer);
        byte[] payload = CGuests.ProducerPattern(length, 11);

        (long queuedOne, int first, long checksum, long leasedAfter, int second, int nothing) = consumer.Run(i =>
        {
            // Inside a call the consumer is busy, so these queue instead of being pushed.
            Assert.That(consumer.Guest.Inbox.TrySend(payload), Is.EqualTo(HoseStatus.Ok));
            long one = host.Pool.LeasedBytes;
            Assert.That(consumer.Guest.Inbox.TrySend(payload), Is.EqualTo(HoseStatus.Ok));
            Func<int> pull = i.GetFunction<int>("pull")!;
            int p = pull();
            long sum = i.GetFunction<long>("checksum")!();
            long leased = host.Pool.LeasedBytes;

            // A window still held would make this receive overlap it: RR_BAD_POINTER.
            return (one, p, sum, leased, pull(), pull());
        });

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.EqualTo(length));
            Assert.That(checksum, Is.EqualTo(CGuests.Checksum(payload)));
            Assert.That(leasedAfter, Is.EqualTo(queuedOne), "only the queued second payload holds regions: the first was released");
            Assert.That(second, Is.EqualTo(length), "the same window received into again");
            Assert.That(metrics.Total($"roadrunner.guest.transfers|function={Sink}|transfer={(mapped ? "mapped" : "copied")}"), Is.EqualTo(2));
            Assert.That(nothing, Is.EqualTo((int)HoseStatus.WouldBlock));
            Assert.That(Get(consumer, "message_count"), Is.EqualTo(2), "pulled, not pushed as well");
            Assert.That(host.Pool.LeasedBytes, Is.Zero);
        });
    }

    [Test]
    public async Task QueuedPayloadsArePushedMappedFromTheirRegionsOrCopied()
    {
        using var metrics = new MetricRecorder();
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions: false));
        WasmFunction consumer = host.LoadFile(Sink, RustGuests.ZeroCopyConsumer);

        // Empty and small payloads take the push buffer's path (rr_alloc), large ones the window.
        int[] lengths = [5, Large, 0, Crossover, 3];
        foreach (int length in lengths)
        {
            byte[] payload = CGuests.ProducerPattern(length, length);

            // Sent while the consumer is busy, so it is queued in regions; Run returns once it was pushed.
            consumer.Run(_ => consumer.Guest.Inbox.TrySend(payload) == HoseStatus.Ok ? 0 : throw new AssertionException($"queue {length} bytes"));
            Assert.That(Checksum(consumer), Is.EqualTo(CGuests.Checksum(payload)), $"{length} bytes");
        }

        Assert.Multiple(() =>
        {
            Assert.That(Get(consumer, "message_count"), Is.EqualTo(lengths.Length));
            Assert.That(metrics.Total($"roadrunner.guest.transfers|function={Sink}|transfer=mapped"), Is.EqualTo(2));
            Assert.That(consumer.Guest.IsFaulted, Is.False);
            Assert.That(host.Pool.LeasedBytes, Is.Zero);
        });
    }

    [Test]
    public async Task AWindowAbove2GiBIsClaimedAndCommitted()
    {
        using var metrics = new MetricRecorder();
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions: false));
        WasmFunction producer = host.LoadFile("producer", RustGuests.ZeroCopyProducer);
        WasmFunction sink = host.LoadFile(Sink, RustGuests.ZeroCopyConsumer);
        long grown = producer.Run(i =>
        {
            Wasmtime.Memory memory = i.GetMemory("memory")!;
            return memory.Grow((0x8000_0000L - memory.GetLength()) / ZeroCopyGuest.Page);
        });
        Assert.That(grown, Is.GreaterThan(0), "memory up to 2 GiB");

        Assert.That(Produce(producer, Large, 5), Is.Zero, "the first claim makes the window, at 2 GiB");
        Assert.Multiple(() =>
        {
            Assert.That((uint)Get(producer, "window_ptr"), Is.EqualTo(0x8000_0000u));
            Assert.That(Checksum(sink), Is.EqualTo(CGuests.Checksum(CGuests.ProducerPattern(Large, 5))));
            Assert.That(metrics.Total($"roadrunner.guest.transfers|function={Sink}|transfer=mapped"), Is.EqualTo(1));
        });
    }

    private static int Produce(WasmFunction producer, int length, int seed) => Call(producer, "produce", length, seed);

    private static int Call(WasmFunction function, string export, int a) => function.Run(i => i.GetFunction<int, int>(export)!(a));

    private static int Call(WasmFunction function, string export, int a, int b) => function.Run(i => i.GetFunction<int, int, int>(export)!(a, b));

    private static int Get(WasmFunction function, string export) => function.Run(i => i.GetFunction<int>(export)!());

    private static long Checksum(WasmFunction consumer) => consumer.Run(i => i.GetFunction<long>("checksum")!());
}
