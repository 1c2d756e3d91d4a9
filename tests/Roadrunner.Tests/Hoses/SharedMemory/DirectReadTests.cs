using System.Globalization;
using Roadrunner.Hosting;
using Roadrunner.Hoses.SharedMemory;
using Roadrunner.Workloads;

namespace Roadrunner.Tests.Hoses.SharedMemory;

/// <summary>
/// Payloads a child process reads straight out of the sending guest's memory file (one copy between the guests): they
/// arrive intact as the memory grows, a send that times out first is withdrawn and never delivered, and borrowed
/// descriptors a hostile sender makes up are refused.
/// </summary>
[CancelAfter(120_000)]
public class DirectReadTests : SharedMemoryTest
{
    private const int Large = 40_000_000;

    [Test]
    public async Task LargeGuestPayloadsAreReadFromTheSendersMemoryAndSmallOnesGoThroughRegions()
    {
        CancellationToken token = TestContext.CurrentContext.CancellationToken;
        await using CrossProcessChain chain = await CrossProcessChain.StartAsync(Folder, token, Logs);
        long threshold = chain.Endpoint.Options.DirectReadThreshold;
        // Growing sizes make the producer reallocate, so its memory grows and the child maps it again.
        int[] sizes = [(int)threshold - 1, (int)threshold, 3_000_001, (int)threshold + 1, 40 << 20, 100];
        long directReads = 0;
        foreach (int size in sizes)
        {
            var expected = new byte[size];
            Checksum.FillPattern(expected, size);
            chain.Prepare(size, size);
            Assert.That(await chain.TransferAsync(size), Is.EqualTo(size), $"ack for {size}");
            Assert.That(await chain.ConsumerChecksumAsync(), Is.EqualTo(Checksum.Compute(expected)), $"checksum at {size} bytes");
            directReads += size >= threshold ? 1 : 0;
            Assert.That(chain.Endpoint.DirectReads, Is.EqualTo(directReads), $"read in place at {size} bytes: {size >= threshold}");
        }

        Assert.That(Logs.Problems, Is.Empty, Logs.ToString());
        Assert.That(await chain.Peer.RequestAsync("faults", token), Is.EqualTo("0"));
    }

    [Test]
    public async Task ASendThatTimesOutBeforeTheReceiverTookItIsWithdrawnAndNeverDelivered()
    {
        CancellationToken token = TestContext.CurrentContext.CancellationToken;
        var hostOptions = new FunctionHostOptions { Regions = { Directory = Path.Combine(Folder, "local") }, GuestMemoryInFiles = true };
        hostOptions.Guest.SendTimeout = TimeSpan.FromSeconds(1);
        await using var host = new FunctionHost(hostOptions);
        var producer = new HoseProducer(host.LoadFile("producer", GuestModules.PathOf(GuestModules.Producer)));
        await using SharedMemoryEndpoint endpoint = host.StartSharedMemoryEndpoint(ShmSupport.Options(Folder));
        // The child's inbox holds one payload and its host one 64 MiB region: a second large payload finds no room.
        await using PeerProcess peer = await ShmSupport.StartPeerAsync(Folder, token, "--inbox", "consumer:1", "--host-budget", (64 << 20).ToString(CultureInfo.InvariantCulture));

        Assert.That(Send(producer, seed: 1), Is.EqualTo(0), "the first is copied into the child and queued");
        Assert.That(Send(producer, seed: 2), Is.EqualTo((int)HoseStatus.TimedOut), "the second finds no room and is withdrawn");
        Assert.That(await peer.RequestAsync("drain consumer 1 1", token), Is.EqualTo("ok"));
        Assert.That(Send(producer, seed: 3), Is.EqualTo(0), "the hose still works");
        Assert.That(await peer.RequestAsync("drain consumer 1 3", token), Is.EqualTo("ok"), "next comes 3: the withdrawn 2 was skipped");
        Assert.That(await peer.RequestAsync("faults", token), Is.EqualTo("0"));
        Assert.That(endpoint.DirectReads, Is.EqualTo(2));
    }

    [Test]
    public async Task TheReceiverLetsGoOfAGuestMemoryOnceTheSendingGuestIsGone()
    {
        CancellationToken token = TestContext.CurrentContext.CancellationToken;
        await using var host = new FunctionHost(new FunctionHostOptions { Regions = { Directory = Path.Combine(Folder, "local") }, GuestMemoryInFiles = true });
        WasmFunction function = host.LoadFile("producer", GuestModules.PathOf(GuestModules.Producer));
        var producer = new HoseProducer(function);
        await using SharedMemoryEndpoint endpoint = host.StartSharedMemoryEndpoint(ShmSupport.Options(Folder));
        await using PeerProcess peer = await ShmSupport.StartPeerAsync(Folder, token, "--guest", ShmSupport.ConsumerGuest);
        producer.Prepare(1 << 20, 5);
        Assert.That(producer.Send(1 << 20), Is.EqualTo(0));
        Assert.That(endpoint.DirectReads, Is.EqualTo(1));
        string link = Path.GetFileName(Directory.EnumerateFiles(Folder, $"rr-{endpoint.Tag}-*.region").Single());
        Assert.That(MapsOf(peer.Id), Does.Contain(link), "the child maps the producer's memory");

        await function.DisposeAsync(); // Wasmtime frees the memory: its file and the link go
        Assert.That(File.Exists(Path.Combine(Folder, link)), Is.False);
        Assert.That(ShmSupport.Eventually(() => !MapsOf(peer.Id).Contains(link, StringComparison.Ordinal)), "the child unmapped it, its pages are free");
    }

    private static string MapsOf(int pid) => File.ReadAllText($"/proc/{pid}/maps");

    [TestCase(1L, 65536, 65536, RingLayout.Borrowed, true, TestName = "ABorrowedDescriptorPastTheMemorysEndIsRefused")]
    [TestCase(0L, 1000, 1L << 20, RingLayout.Borrowed, true, TestName = "ABorrowedDescriptorLargerThanTheMemoryFileIsRefused")]
    [TestCase(0L, 1000, 65536, RingLayout.Borrowed, false, TestName = "ABorrowedDescriptorNotMarkedPendingIsRefused")]
    [TestCase(0L, 1000, 65536, RingLayout.Borrowed | RingLayout.MoreChunks, true, TestName = "ABorrowedChunkIsRefused")]
    public async Task HostileBorrowedDescriptor(long offset, int length, long memorySize, int flags, bool markPending)
    {
        CancellationToken token = TestContext.CurrentContext.CancellationToken;
        await using FunctionHost host = ShmSupport.NewHost(Folder);
        await using SharedMemoryEndpoint endpoint = host.StartSharedMemoryEndpoint(ShmSupport.Options(Folder));
        await using PeerProcess peer = await ShmSupport.StartPeerAsync(Folder, token, "--inbox", "sink");
        string childTag = ChildTag(peer.Id);
        using (var hostile = new HostileSender(Folder, childTag, "sink"))
        {
            hostile.AddRegion(1, 65536, 0x55); // stands in for a guest memory file of 64 KiB
            if (markPending)
            {
                hostile.SetMark(0, RingLayout.BorrowPending(0));
            }

            hostile.Post(new Descriptor(0, 1, 0, (int)offset, length, flags, length, memorySize), head: 1);
            Assert.That(ShmSupport.Eventually(() => hostile.ReceiverClosed), "the child refused the hose");
            Assert.That(hostile.Failure, Is.EqualTo((int)HoseStatus.PeerFailed));
        }

        Assert.That(await peer.RequestAsync("faults", token), Is.EqualTo("1"));
    }

    private static int Send(HoseProducer producer, int seed)
    {
        producer.Prepare(Large, seed);
        producer.Function.Run(instance =>
        {
            int start = instance.GetFunction<int>("buffer_ptr")!();
            Roadrunner.Peer.Pattern.Fill(instance.GetMemory("memory")!.GetSpan(start, Large), seed); // the child's drain checks its own pattern
            return 0;
        });
        return producer.Send(Large);
    }
}
