using System.Collections.Concurrent;
using System.Globalization;
using Roadrunner.Hosting;
using Roadrunner.Hoses.SharedMemory;
using Roadrunner.Workloads;

namespace Roadrunner.Tests.Hoses.SharedMemory;

/// <summary>
/// Cancellation and deadlines racing with a real child process: a payload reported cancelled or timed out never
/// arrives, one reported sent always does, and a cancelled wait gives back everything it took.
/// </summary>
[CancelAfter(120_000)]
public class CancellationTests : SharedMemoryTest
{
    private const int Stop = -1; // seed of the last payload: everything sent before it arrived before it

    [TestCase(8, 512 * 1024, TestName = "SendsCancelledOrTimedOutWhileWaitingForBytesInFlightAreNeverDeliveredAndSentOnesAlwaysAre")]
    [TestCase(4, 4 << 20, TestName = "SendsCancelledOrTimedOutWhileWaitingForRingSlotsAreNeverDeliveredAndSentOnesAlwaysAre")]
    public async Task SendsCancelledOrTimedOutAtRandom(int slots, int bytesInFlight)
    {
        CancellationToken token = TestContext.CurrentContext.CancellationToken;
        await using FunctionHost host = ShmSupport.NewHost(Folder);
        SharedMemoryOptions options = ShmSupport.Options(Folder);
        options.RingSlots = slots;
        options.SizeClasses = [64 * 1024];
        options.MaxBytesInFlight = bytesInFlight; // a few payloads in flight: most sends wait for room
        await using SharedMemoryEndpoint endpoint = host.StartSharedMemoryEndpoint(options);
        await using PeerProcess peer = await ShmSupport.StartPeerAsync(Folder, token, "--inbox", "sink:4");
        Assert.That(endpoint.TryResolve("sink", out IHoseSender? sender), Is.True);
        Task<string> collected = peer.RequestAsync($"collect sink {Stop}", token);

        var sent = new ConcurrentBag<int>();
        var notSent = new ConcurrentBag<int>();
        var wrong = new ConcurrentQueue<string>();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(worker => Task.Run(
            async () =>
            {
                var random = new Random(worker);
                for (int i = 0; i < 250; i++)
                {
                    int id = (worker * 10_000) + i;
                    byte[] payload = ShmSupport.Pattern(i % 2 == 0 ? 64_000 : 100_000, id); // one region, or two descriptors
                    using var cancel = new CancellationTokenSource();
                    cancel.CancelAfter(random.Next(0, 4));
                    HoseStatus status;
                    switch (i % 3)
                    {
                        case 0:
                            try
                            {
                                await sender!.SendAsync(payload, cancel.Token);
                                status = HoseStatus.Ok;
                            }
                            catch (OperationCanceledException)
                            {
                                status = HoseStatus.TimedOut;
                            }

                            break;
                        case 1:
                            status = sender!.Send(payload, Timeout.InfiniteTimeSpan, cancel.Token);
                            break;
                        default:
                            status = sender!.Send(payload, TimeSpan.FromMilliseconds(random.Next(0, 4)), CancellationToken.None);
                            break;
                    }

                    switch (status)
                    {
                        case HoseStatus.Ok:
                            sent.Add(id);
                            break;
                        case HoseStatus.TimedOut:
                            notSent.Add(id);
                            break;
                        default:
                            wrong.Enqueue($"{id}: {status}");
                            break;
                    }
                }
            },
            token)));

        Assert.That(sender!.Send(ShmSupport.Pattern(1000, Stop), TimeSpan.FromSeconds(30), token), Is.EqualTo(HoseStatus.Ok));
        string answer = await collected;
        Assert.That(answer, Does.StartWith("ok"));
        int[] received = [.. answer.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
        Assert.Multiple(() =>
        {
            Assert.That(wrong, Is.Empty, "every send is either sent or withdrawn: the hose stays usable");
            Assert.That(notSent, Is.Not.Empty, "the tokens and deadlines did end waits");
            Assert.That(sent, Is.Not.Empty);
            Assert.That(received.Intersect(notSent), Is.Empty, "payloads reported cancelled or timed out never arrive");
            Assert.That(received, Is.EquivalentTo(sent), "every payload reported sent arrives, once");
        });
        Assert.That(ShmSupport.Eventually(() => endpoint.ReclaimAll() >= 0 && endpoint.Pool.LeasedBytes == 0, TimeSpan.FromSeconds(10)), "nothing stays leased");
    }

    [Test]
    public async Task FanOutSendsCancelledAtRandomReachNoTargetAndSentOnesReachEvery()
    {
        CancellationToken token = TestContext.CurrentContext.CancellationToken;
        string[] targets = ["a", "b", "c"];
        await using FunctionHost host = ShmSupport.NewHost(Folder);
        SharedMemoryOptions options = ShmSupport.Options(Folder);
        options.RingSlots = 4;
        options.SizeClasses = [4096];
        options.MaxBytesInFlight = 16 * 4096;
        await using SharedMemoryEndpoint endpoint = host.StartSharedMemoryEndpoint(options);
        await using PeerProcess peer = await ShmSupport.StartPeerAsync(Folder, token, "--inbox", "a:2", "--inbox", "b:2", "--inbox", "c:2");
        endpoint.AddRoute("all", targets);
        Assert.That(endpoint.TryResolve("all", out IHoseSender? all), Is.True);
        foreach (string target in targets)
        {
            Assert.That(await peer.RequestAsync($"collect_background {target} {Stop}", token), Is.EqualTo("started"));
        }

        var sent = new List<int>();
        var notSent = new List<int>();
        var random = new Random(5);
        for (int id = 0; id < 400; id++)
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(random.Next(0, 4)));
            try
            {
                await all!.SendAsync(ShmSupport.Pattern(3000, id), cancel.Token);
                sent.Add(id);
            }
            catch (OperationCanceledException)
            {
                notSent.Add(id);
            }
        }

        Assert.That(all!.Send(ShmSupport.Pattern(1000, Stop), TimeSpan.FromSeconds(30), token), Is.EqualTo(HoseStatus.Ok));
        Assert.That(notSent, Is.Not.Empty, "the tokens did end waits");
        foreach (string target in targets)
        {
            string answer = await peer.RequestAsync($"collected {target}", token);
            Assert.That(answer, Does.StartWith("ok"), target);
            int[] received = [.. answer.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
            Assert.That(received, Is.EqualTo(sent), $"{target} got every payload reported sent, in order, and none reported cancelled");
        }
    }

    [Test]
    public async Task ClaimsCancelledAtRandomUnderAFullBudgetGiveEverythingBack()
    {
        CancellationToken token = TestContext.CurrentContext.CancellationToken;
        const int Size = 1 << 20;
        const int Regions = 4;
        await using FunctionHost host = ShmSupport.NewHost(Folder);
        SharedMemoryOptions options = ShmSupport.Options(Folder);
        options.SizeClasses = [64 * 1024, Size];
        options.MaxBytesInFlight = Regions * Size;
        await using SharedMemoryEndpoint endpoint = host.StartSharedMemoryEndpoint(options);
        await using PeerProcess peer = await ShmSupport.StartPeerAsync(Folder, token, "--inbox", "sink:4");
        Assert.That(endpoint.TryResolve("sink", out IHoseSender? sender), Is.True);
        Task<string> collected = peer.RequestAsync($"collect sink {Stop}", token);
        var committed = new List<int>();
        int cancelled = 0;
        var random = new Random(13);

        // Each round: the budget is full, claims wait with tokens firing 0-10 ms later, and the budget is freed under them
        // (half committed: back when the child reads it; half abandoned: back at once).
        List<HoseClaim> held = await ClaimAllAsync(sender!, Size, Regions, endpoint, token);
        for (int round = 0; round < 20; round++)
        {
            Assert.That(endpoint.Pool.LeasedBytes, Is.EqualTo(Regions * Size), "the budget is full");
            Task<HoseClaim?>[] waiting = [.. Enumerable.Range(0, 12).Select(_ => ClaimOrCancelAsync(sender!, Size, random.Next(0, 11), () => Interlocked.Increment(ref cancelled)))];
            for (int i = 0; i < held.Count; i++)
            {
                if ((round + i) % 2 == 0)
                {
                    int id = (round * 100) + i;
                    ShmSupport.Fill(held[i].Span, id);
                    Assert.That(held[i].Commit(), Is.EqualTo(HoseStatus.Ok));
                    committed.Add(id);
                }

                held[i].Dispose();
            }

            held = [.. (await Task.WhenAll(waiting)).OfType<HoseClaim>()];
            held.AddRange(await ClaimAllAsync(sender!, Size, Regions - held.Count, endpoint, token));
        }

        held.ForEach(c => c.Dispose());
        Assert.That(cancelled, Is.Positive, "claims were cancelled while they waited");
        Assert.That(ShmSupport.Eventually(() => endpoint.ReclaimAll() >= 0 && endpoint.Pool.LeasedBytes == 0, TimeSpan.FromSeconds(10)), $"the budget is whole again ({endpoint.Pool.LeasedBytes} bytes still leased)");

        // The whole budget can be held again and committed, and a send goes through.
        foreach (HoseClaim claim in await ClaimAllAsync(sender!, Size, Regions, endpoint, token))
        {
            using (claim)
            {
                int id = 10_000 + committed.Count;
                ShmSupport.Fill(claim.Span, id);
                Assert.That(claim.Commit(), Is.EqualTo(HoseStatus.Ok));
                committed.Add(id);
            }
        }

        Assert.That(sender!.Send(ShmSupport.Pattern(100_000, 20_000), TimeSpan.FromSeconds(20), token), Is.EqualTo(HoseStatus.Ok));
        committed.Add(20_000);
        Assert.That(sender.Send(ShmSupport.Pattern(1000, Stop), TimeSpan.FromSeconds(20), token), Is.EqualTo(HoseStatus.Ok));
        string answer = await collected;
        Assert.That(answer, Does.StartWith("ok"));
        int[] received = [.. answer.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
        Assert.That(received, Is.EqualTo(committed), "every committed claim arrived, once, in order");

        string tag = endpoint.Tag;
        Assert.That(ShmSupport.Eventually(() => endpoint.ReclaimAll() >= 0 && endpoint.Pool.LeasedBytes == 0, TimeSpan.FromSeconds(10)));
        await endpoint.DisposeAsync();
        Assert.That(Directory.EnumerateFiles(Folder, $"rr-{tag}-*"), Is.Empty, "no region file of the endpoint stays behind");
    }

    [Test]
    public async Task AClaimCommittedAfterItsHoseClosedSaysSoAndGivesItsRegionBack()
    {
        CancellationToken token = TestContext.CurrentContext.CancellationToken;
        await using FunctionHost host = ShmSupport.NewHost(Folder);
        await using SharedMemoryEndpoint endpoint = host.StartSharedMemoryEndpoint(ShmSupport.Options(Folder));
        PeerProcess peer = await ShmSupport.StartPeerAsync(Folder, token, "--inbox", "sink");
        Assert.That(endpoint.TryResolve("sink", out IHoseSender? sender), Is.True);
        Assert.That(sender!.Send(ShmSupport.Pattern(100_000, 1), TimeSpan.FromSeconds(30), token), Is.EqualTo(HoseStatus.Ok), "the ring is accepted");
        HoseClaim claim = await sender.ClaimAsync(100_000, token);
        HoseClaim empty = await sender.ClaimAsync(0, token);
        await peer.DisposeAsync(); // a clean exit: the child's receiver closes the ring
        Assert.Multiple(() =>
        {
            Assert.That(claim.Commit(), Is.EqualTo(HoseStatus.Closed), "nobody reads it: not Ok");
            Assert.That(empty.Commit(), Is.EqualTo(HoseStatus.Closed));
        });
        claim.Dispose();
        empty.Dispose();
        Assert.That(ShmSupport.Eventually(() => endpoint.ReclaimAll() >= 0 && endpoint.Pool.LeasedBytes == 0, TimeSpan.FromSeconds(10)), "its region and the one the child never read come back");

        // The same for our own end: a claim held while the endpoint is disposed is refused, not written into an unmapped ring.
        await using PeerProcess again = await ShmSupport.StartPeerAsync(Folder, token, "--inbox", "sink");
        Assert.That(endpoint.TryResolve("sink", out sender), Is.True);
        HoseClaim held = await sender!.ClaimAsync(1000, token);
        await endpoint.DisposeAsync();
        Assert.That(held.Commit(), Is.EqualTo(HoseStatus.Closed));
        held.Dispose();
    }

    /// <summary>A claim whose token fires after <paramref name="cancelAfterMs"/>; null when it was cancelled.</summary>
    private static async Task<HoseClaim?> ClaimOrCancelAsync(IHoseSender sender, int size, int cancelAfterMs, Action onCancelled)
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(cancelAfterMs));
        try
        {
            return await sender.ClaimAsync(size, cancel.Token);
        }
        catch (OperationCanceledException)
        {
            onCancelled();
            return null;
        }
    }

    /// <summary>Claims <paramref name="count"/> regions that the budget must have free (soon): a leak fails here.</summary>
    private static async Task<List<HoseClaim>> ClaimAllAsync(IHoseSender sender, int size, int count, SharedMemoryEndpoint endpoint, CancellationToken token)
    {
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(token);
        guard.CancelAfter(TimeSpan.FromSeconds(10));
        var claims = new List<HoseClaim>();
        try
        {
            for (int i = 0; i < count; i++)
            {
                claims.Add(await sender.ClaimAsync(size, guard.Token));
            }
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            Assert.Fail($"no claim within 10 s: {endpoint.Pool.LeasedBytes} bytes leased, {claims.Count} of them held here");
        }

        return claims;
    }
}
