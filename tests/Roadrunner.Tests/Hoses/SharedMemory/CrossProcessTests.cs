using Roadrunner.Hoses;
using Roadrunner.Hosting;
using Roadrunner.Hoses.SharedMemory;
using Roadrunner.Workloads;

namespace Roadrunner.Tests.Hoses.SharedMemory;

/// <summary>Real child processes (Roadrunner.Peer shm) on the other end of shared-memory hoses.</summary>
[CancelAfter(120_000)]
public class CrossProcessTests : SharedMemoryTest
{
    [Test]
    public async Task GuestToGuestInAnotherProcessArrivesIntactAtBoundarySizes()
    {
        CancellationToken token = TestContext.CurrentContext.CancellationToken;
        await using CrossProcessChain chain = await CrossProcessChain.StartAsync(Folder, token, Logs);
        int[] sizes = [1, 7, 4095, 4096, 4097, 65535, 65536, 65537, (1 << 20) - 1, 1 << 20, (1 << 20) + 1, (16 << 20) + 5, 40 << 20];
        foreach (int size in sizes)
        {
            int seed = size ^ 0x1234;
            var expected = new byte[size];
            Checksum.FillPattern(expected, seed);
            chain.Prepare(size, seed);
            Assert.That(await chain.TransferAsync(size), Is.EqualTo(size), $"ack for {size}");
            Assert.That(await chain.ConsumerLastLengthAsync(), Is.EqualTo(size));
            Assert.That(await chain.ConsumerChecksumAsync(), Is.EqualTo(Checksum.Compute(expected)), $"checksum at {size} bytes");
        }

        Assert.That(await chain.Peer.RequestAsync("count consumer", token), Is.EqualTo(sizes.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)), "each payload once");
        Assert.That(Logs.Problems, Is.Empty, Logs.ToString());
    }

    [Test]
    public async Task DotNetSenderReachesChildInboxInOrderWithSendsAndZeroCopyClaims()
    {
        CancellationToken token = TestContext.CurrentContext.CancellationToken;
        await using FunctionHost host = NewHost();
        await using SharedMemoryEndpoint endpoint = host.StartSharedMemoryEndpoint(ShmSupport.Options(Folder));
        await using PeerProcess peer = await ShmSupport.StartPeerAsync(Folder, token, "--inbox", "sink");
        IHoseSender sender = host.Open("sink");
        int[] sizes = [0, 1, 3, 4, 5, RingLayout.MaxInlineBytes, RingLayout.MaxInlineBytes + 1, 4096, 65536, 65537, 300_000, 1 << 20, 3 << 20];
        Task<string> drained = peer.RequestAsync("drain sink 200 1000", token); // leases hold regions: drain while sending
        for (int i = 0; i < 200; i++)
        {
            int size = sizes[i % sizes.Length];
            if (i % 3 == 0 && size > 0)
            {
                using HoseClaim claim = await sender.ClaimAsync(size, token);
                ShmSupport.Fill(claim.Span, 1000 + i);
                Assert.That(claim.Commit(), Is.EqualTo(HoseStatus.Ok));
            }
            else if (i % 3 == 1)
            {
                await sender.SendAsync(ShmSupport.Pattern(size, 1000 + i), token);
            }
            else
            {
                Assert.That(sender.Send(ShmSupport.Pattern(size, 1000 + i), TimeSpan.FromSeconds(30), token), Is.EqualTo(HoseStatus.Ok));
            }
        }

        Assert.That(await drained, Is.EqualTo("ok"));
        Assert.That(await peer.RequestAsync("faults", token), Is.EqualTo("0"));
        Assert.That(ShmSupport.Eventually(() => endpoint.ReclaimAll() >= 0 && endpoint.Pool.LeasedBytes == 0), "every region came back");
    }

    [Test]
    public async Task ChildSendsToDotNetInboxReadInPlaceInOrder()
    {
        CancellationToken token = TestContext.CurrentContext.CancellationToken;
        await using FunctionHost host = NewHost();
        await using SharedMemoryEndpoint endpoint = host.StartSharedMemoryEndpoint(ShmSupport.Options(Folder));
        IDataHose sink = endpoint.CreateInbox("sink");
        await using PeerProcess peer = await ShmSupport.StartPeerAsync(Folder, token);
        Assert.That(await peer.RequestAsync("send_background sink 100003 500 100", token), Is.EqualTo("started"));
        for (int i = 0; i < 100; i++)
        {
            using HoseLease lease = await ShmSupport.ReceiveAsync(sink, token);
            Assert.That(lease.Length, Is.EqualTo(100003));
            Assert.That(lease.IsSingleSegment, Is.True, "a lease over the sender's region, in place");
            Assert.That(ShmSupport.Matches(lease, 500 + i), Is.True, $"payload {i} intact and in order");
        }

        Assert.That(sink.TryReceive(out _), Is.False, "nothing twice");
        Assert.That(Logs.Problems, Is.Empty, Logs.ToString());
    }

    [Test]
    public async Task ManyHosesToOneChildStayOrderedPerHose()
    {
        CancellationToken token = TestContext.CurrentContext.CancellationToken;
        const int Hoses = 8;
        const int PerHose = 60;
        await using FunctionHost host = NewHost();
        await using SharedMemoryEndpoint endpoint = host.StartSharedMemoryEndpoint(ShmSupport.Options(Folder));
        string[] args = [.. Enumerable.Range(0, Hoses).SelectMany(i => new[] { "--inbox", $"sink{i}" })];
        await using PeerProcess peer = await ShmSupport.StartPeerAsync(Folder, token, args);
        await Task.WhenAll(Enumerable.Range(0, Hoses).Select(h => Task.Run(
            async () =>
            {
                Assert.That(endpoint.TryResolve($"sink{h}", out IHoseSender? sender), Is.True);
                for (int i = 0; i < PerHose; i++)
                {
                    await sender!.SendAsync(ShmSupport.Pattern(1000 + (h * 4099) + (i * 13), (h * 1000) + i), token);
                }
            },
            token)));
        for (int h = 0; h < Hoses; h++)
        {
            Assert.That(await peer.RequestAsync($"drain sink{h} {PerHose} {h * 1000}", token), Is.EqualTo("ok"), $"hose {h}");
        }

        Assert.That(await peer.RequestAsync("faults", token), Is.EqualTo("0"));
    }

    [Test]
    public async Task FanOutCopiesOnceAndEveryTargetGetsEveryPayload()
    {
        CancellationToken token = TestContext.CurrentContext.CancellationToken;
        await using FunctionHost host = NewHost();
        await using SharedMemoryEndpoint endpoint = host.StartSharedMemoryEndpoint(ShmSupport.Options(Folder));
        await using PeerProcess peer = await ShmSupport.StartPeerAsync(Folder, token, "--inbox", "a", "--inbox", "b", "--inbox", "c");
        endpoint.AddRoute("all", "a", "b", "c");
        Assert.That(endpoint.TryResolve("all", out IHoseSender? all), Is.True);
        for (int i = 0; i < 30; i++)
        {
            Assert.That(all!.Send(ShmSupport.Pattern(70_000, 7000 + i), TimeSpan.FromSeconds(30), token), Is.EqualTo(HoseStatus.Ok));
        }

        foreach (string target in (string[])["a", "b", "c"])
        {
            Assert.That(await peer.RequestAsync($"drain {target} 30 7000", token), Is.EqualTo("ok"), target);
        }

        Assert.That(ShmSupport.Eventually(() => endpoint.ReclaimAll() >= 0 && endpoint.Pool.LeasedBytes == 0), "regions return after the last target");
    }

    [Test]
    public async Task FullRingOrBudgetMakesSendersWaitTimeOutOrGetWouldBlock()
    {
        CancellationToken token = TestContext.CurrentContext.CancellationToken;
        await using FunctionHost host = NewHost();
        SharedMemoryOptions options = ShmSupport.Options(Folder);
        options.RingSlots = 8;
        options.SizeClasses = [64 * 1024];
        options.MaxBytesInFlight = 1 << 20;
        await using SharedMemoryEndpoint endpoint = host.StartSharedMemoryEndpoint(options);
        await using PeerProcess peer = await ShmSupport.StartPeerAsync(Folder, token, "--inbox", "slow:2");
        Assert.That(endpoint.TryResolve("slow", out IHoseSender? sender), Is.True);

        int sent = 0;
        HoseStatus status = HoseStatus.Ok;
        while (status == HoseStatus.Ok && sent < 1000)
        {
            status = sender!.TrySend(ShmSupport.Pattern(1000, sent));
            sent += status == HoseStatus.Ok ? 1 : 0;
        }

        Assert.That(status, Is.EqualTo(HoseStatus.WouldBlock), "a full ring says would-block");
        Assert.That(sent, Is.LessThanOrEqualTo(8 + 2 + 8), "bounded by ring slots, inbox slots and the receiver's hand");
        Assert.That(sender!.Send(ShmSupport.Pattern(1000, sent), TimeSpan.FromMilliseconds(100), token), Is.EqualTo(HoseStatus.TimedOut));
        using (var cancelled = new CancellationTokenSource())
        {
            await cancelled.CancelAsync();
            Assert.That(sender.Send(ShmSupport.Pattern(1000, sent), TimeSpan.FromSeconds(30), cancelled.Token), Is.EqualTo(HoseStatus.TimedOut));
        }

        // A blocked sender proceeds as soon as the child drains.
        Task<string> drain = peer.RequestAsync($"drain slow {sent + 20} 0", token);
        for (int i = sent; i < sent + 20; i++)
        {
            Assert.That(sender.Send(ShmSupport.Pattern(1000, i), TimeSpan.FromSeconds(30), token), Is.EqualTo(HoseStatus.Ok));
        }

        Assert.That(await drain, Is.EqualTo("ok"));
    }

    [Test]
    public async Task PayloadsLargerThanTheBytesInFlightStreamThroughInChunks()
    {
        CancellationToken token = TestContext.CurrentContext.CancellationToken;
        await using FunctionHost host = NewHost();
        WasmFunction producer = host.LoadFile("producer", GuestModules.PathOf(GuestModules.Producer));
        SharedMemoryOptions options = ShmSupport.Options(Folder);
        options.SizeClasses = [64 * 1024, 256 * 1024];
        options.MaxBytesInFlight = 1 << 20;
        await using SharedMemoryEndpoint endpoint = host.StartSharedMemoryEndpoint(options);
        await using PeerProcess peer = await ShmSupport.StartPeerAsync(Folder, token, "--inbox", "sink", "--guest", ShmSupport.ConsumerGuest);
        IHoseSender sender = host.Open("sink");
        foreach (int size in (int[])[(1 << 20) + 1, 5_000_003, 3 << 20])
        {
            Assert.That(sender.Send(ShmSupport.Pattern(size, size), TimeSpan.FromSeconds(30), token), Is.EqualTo(HoseStatus.Ok));
            Assert.That(await peer.RequestAsync($"drain sink 1 {size}", token), Is.EqualTo("ok"), $"{size} bytes");
        }

        // A guest's send streams too, into a guest on the other side.
        const int Size = 4_000_001;
        Assert.That(producer.Run(i => i.GetFunction<int, int, int>("fill")!(Size, 99)), Is.Not.Zero);
        Assert.That(producer.Run(i => i.GetFunction<int, int>("produce")!(Size)), Is.Zero);
        var expected = new byte[Size];
        Checksum.FillPattern(expected, 99);
        Assert.That(ShmSupport.Eventually(() => peer.RequestAsync("last_length consumer", token).GetAwaiter().GetResult() == Size.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.That(await peer.RequestAsync("checksum consumer", token), Is.EqualTo(Checksum.Compute(expected).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.That(endpoint.Pool.LeasedBytes, Is.LessThanOrEqualTo(1 << 20));
    }

    [Test]
    public async Task ReceiverKilledWhileSenderWaitsFailsTheSendReclaimsRegionsAndARestartedPeerServes()
    {
        CancellationToken token = TestContext.CurrentContext.CancellationToken;
        await using FunctionHost host = NewHost();
        SharedMemoryOptions options = ShmSupport.Options(Folder);
        options.RingSlots = 4;
        await using SharedMemoryEndpoint endpoint = host.StartSharedMemoryEndpoint(options);
        PeerProcess peer = await ShmSupport.StartPeerAsync(Folder, token, "--inbox", "sink:1");
        int childPid = peer.Id;
        IHoseSender sender = host.Open("sink");
        Task<HoseStatus> blocked = Task.Run(
            () =>
            {
                for (int i = 0; ; i++)
                {
                    HoseStatus status = sender.Send(ShmSupport.Pattern(200_000, i), Timeout.InfiniteTimeSpan, token);
                    if (status != HoseStatus.Ok)
                    {
                        return status;
                    }
                }
            },
            token);
        Assert.That(ShmSupport.Eventually(() => endpoint.Pool.LeasedBytes > 0 && !blocked.IsCompleted), "the sender fills the ring and waits");
        peer.Kill();
        await peer.WaitForExitAsync(token);
        Assert.That(await blocked.WaitAsync(TimeSpan.FromSeconds(20), token), Is.EqualTo(HoseStatus.PeerFailed), "the waiter woke with an error");
        Assert.That(endpoint.Pool.LeasedBytes, Is.Zero, "regions in flight were reclaimed");
        Assert.That(ShmSupport.FilesOf(Folder, childPid), Is.Empty, "the dead peer's files are removed");
        Assert.That(sender.TrySend([1, 2, 3]), Is.EqualTo(HoseStatus.PeerFailed), "the old hose stays failed");
        await peer.DisposeAsync();

        await using PeerProcess restarted = await ShmSupport.StartPeerAsync(Folder, token, "--inbox", "sink");
        IHoseSender again = host.Open("sink");
        Assert.That(again, Is.Not.SameAs(sender));
        Task<string> drained = restarted.RequestAsync("drain sink 10 40", token); // unread leases hold ring slots: drain while sending
        for (int i = 0; i < 10; i++)
        {
            Assert.That(again.Send(ShmSupport.Pattern(5000, 40 + i), TimeSpan.FromSeconds(30), token), Is.EqualTo(HoseStatus.Ok));
        }

        Assert.That(await drained, Is.EqualTo("ok"));
    }

    [TestCase(300_001, 256L << 20, TestName = "SenderKilledMidTransferDeliversOnlyWholePayloadsOnceAndIsCleanedUp")]
    [TestCase(3_000_001, 1L << 20, TestName = "SenderKilledMidStreamDeliversOnlyWholePayloadsOnceAndIsCleanedUp")]
    public async Task SenderKilledMidTransfer(int size, long inFlight)
    {
        CancellationToken token = TestContext.CurrentContext.CancellationToken;
        await using FunctionHost host = NewHost();
        await using SharedMemoryEndpoint endpoint = host.StartSharedMemoryEndpoint(ShmSupport.Options(Folder));
        IDataHose sink = endpoint.CreateInbox("sink", new HoseOptions { MaxQueuedPayloads = 3 });
        PeerProcess peer = await ShmSupport.StartPeerAsync(Folder, token, "--slots", "4", "--inflight", inFlight.ToString(System.Globalization.CultureInfo.InvariantCulture));
        int childPid = peer.Id;
        Assert.That(await peer.RequestAsync($"send_background sink {size} 0 1000", token), Is.EqualTo("started"));
        var received = new List<HoseLease>();
        received.Add(await ShmSupport.ReceiveAsync(sink, token));
        Assert.That(ShmSupport.Eventually(() => sink.TryPeekLength(out _)), "the child keeps sending until the inbox is full");
        peer.Kill();
        await peer.WaitForExitAsync(token);
        await peer.DisposeAsync();
        Assert.That(ShmSupport.Eventually(() => endpoint.ActiveReceivers == 0), "the receive thread noticed the death");
        while (sink.TryReceive(out HoseLease? lease))
        {
            received.Add(lease);
        }

        Assert.That(received, Has.Count.InRange(2, 1000));
        for (int i = 0; i < received.Count; i++)
        {
            Assert.That(received[i].Length, Is.EqualTo(size));
            Assert.That(ShmSupport.Matches(received[i], i), Is.True, $"payload {i} whole, in order, once");
        }

        foreach (HoseLease lease in received)
        {
            lease.Dispose();
        }

        Assert.That(ShmSupport.Eventually(() => ShmSupport.FilesOf(Folder, childPid).Length == 0), "the dead sender's files are removed");
        // The death is logged as the sender's (SharedMemoryPeerDied) or, when a payload of it waited for room, as that
        // payload dropped (SharedMemoryPayloadDropped): either way the log says the sender died.
        Assert.That(Logs.Problems.Any(e => e.Message.Contains("died", StringComparison.Ordinal)), Is.True, Logs.ToString());
    }

    [Test]
    public async Task ACorruptDescriptorSentToAChildFailsOnlyThatHose()
    {
        CancellationToken token = TestContext.CurrentContext.CancellationToken;
        await using FunctionHost host = NewHost();
        await using SharedMemoryEndpoint endpoint = host.StartSharedMemoryEndpoint(ShmSupport.Options(Folder));
        await using PeerProcess peer = await ShmSupport.StartPeerAsync(Folder, token, "--inbox", "sink");
        string childTag = ChildTag(peer.Id);
        using (var hostile = new HostileSender(Folder, childTag, "sink"))
        {
            hostile.AddRegion(1, 65536, 0x44);
            hostile.Post(new Descriptor(0, 1, 65536, 60000, 10000, 0, 10000), head: 1); // past the region's end
            Assert.That(ShmSupport.Eventually(() => hostile.ReceiverClosed), "the child refused the hose");
            Assert.That(hostile.Failure, Is.EqualTo((int)HoseStatus.PeerFailed));
        }

        Assert.That(await peer.RequestAsync("faults", token), Is.EqualTo("1"));
        Assert.That(endpoint.TryResolve("sink", out IHoseSender? sender), Is.True, "the child still serves sound hoses");
        Task<string> drained = peer.RequestAsync("drain sink 3 9", token);
        for (int i = 0; i < 3; i++)
        {
            Assert.That(sender!.Send(ShmSupport.Pattern(1000, 9 + i), TimeSpan.FromSeconds(30), token), Is.EqualTo(HoseStatus.Ok));
        }

        Assert.That(await drained, Is.EqualTo("ok"), "and the bad payload was never delivered");
    }

    [Test]
    public async Task DisposingEndpointsRemovesTheirFiles()
    {
        CancellationToken token = TestContext.CurrentContext.CancellationToken;
        await using FunctionHost host = NewHost();
        SharedMemoryEndpoint endpoint = host.StartSharedMemoryEndpoint(ShmSupport.Options(Folder));
        await using (PeerProcess peer = await ShmSupport.StartPeerAsync(Folder, token, "--inbox", "sink"))
        {
            Assert.That(endpoint.TryResolve("sink", out IHoseSender? sender), Is.True);
            Assert.That(sender!.Send(ShmSupport.Pattern(100_000, 1), TimeSpan.FromSeconds(30), token), Is.EqualTo(HoseStatus.Ok));
            Assert.That(await peer.RequestAsync("drain sink 1 1", token), Is.EqualTo("ok"));
        }

        await endpoint.DisposeAsync();
        Assert.That(Directory.EnumerateFiles(Folder), Is.Empty, "announcements, bells, rings, regions and locks of both sides are gone");
    }
}
