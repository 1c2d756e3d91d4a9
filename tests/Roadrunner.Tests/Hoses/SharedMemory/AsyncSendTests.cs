using System.Diagnostics;
using Roadrunner.Hosting;
using Roadrunner.Hoses.SharedMemory;
using Roadrunner.Tests.Support;
using Roadrunner.Workloads;

namespace Roadrunner.Tests.Hoses.SharedMemory;

/// <summary>
/// Asynchronous sends and claims that wait for room on a ring hold no pool thread: they are completed by the ring's
/// own waiting thread when the receiver gives room back, and a cancelled one gives back everything it took.
/// </summary>
[CancelAfter(120_000)]
public class AsyncSendTests : SharedMemoryTest
{
    private const int Stop = -1;
    private const int Region = 64 * 1024;
    private const int Regions = 4;
    private const int Waiting = 8;
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(5); // far below the starver's 10 s guard, generous for a loaded machine

    // The starved part runs before the test's first await, on NUnit's own thread, not a pool thread.
    [Test]
    public async Task SendsWaitingForBytesInFlightCompleteWhileThePoolIsStarved()
    {
        CancellationToken token = TestContext.CurrentContext.CancellationToken;
        await using FunctionHost host = ShmSupport.NewHost(Folder);
        await using SharedMemoryEndpoint endpoint = host.StartSharedMemoryEndpoint(FullBudgetOptions());
        await using PeerProcess peer = ShmSupport.StartPeerAsync(Folder, token, "--inbox", "sink").GetAwaiter().GetResult();
        Assert.That(endpoint.TryResolve("sink", out IHoseSender? sender), Is.True);
        Assert.That(peer.RequestAsync($"collect_background sink {Stop}", token).GetAwaiter().GetResult(), Is.EqualTo("started"));
        List<HoseClaim> held = HoldTheWholeBudget(sender!, endpoint);

        Task[] sends;
        bool allDone;
        bool noneDoneBeforeRoom;
        TimeSpan elapsed;
        bool probeRan;
        using (var starver = PoolStarver.Start(Guard))
        {
            sends = [.. Enumerable.Range(0, Waiting).Select(i => sender!.SendAsync(ShmSupport.Pattern(60_000, i), token).AsTask())];
            noneDoneBeforeRoom = !sends.Any(s => s.IsCompleted);
            var clock = Stopwatch.StartNew();
            held.ForEach(c => c.Dispose()); // room: the budget comes back, then the child's reads give it back again and again
            allDone = Task.WaitAll(sends, Prompt);
            elapsed = clock.Elapsed;
            probeRan = starver.ProbeRan;
        }

        Assert.Multiple(() =>
        {
            Assert.That(noneDoneBeforeRoom, Is.True, "every send had to wait for room");
            Assert.That(allDone, Is.True, $"the waiting sends completed without a pool thread (after {elapsed})");
            Assert.That(probeRan, Is.False, "the pool was starved during the wait");
        });
        Assert.That(sends.All(s => s.IsCompletedSuccessfully), Is.True);
        Assert.That(sender!.Send(ShmSupport.Pattern(1000, Stop), Guard, token), Is.EqualTo(HoseStatus.Ok));
        Assert.That(await peer.RequestAsync("collected sink", token), Is.EqualTo("ok " + string.Join(' ', Enumerable.Range(0, Waiting))), "every payload arrived once, in the order sent");
    }

    [Test]
    public async Task FanOutSendsWaitingForBytesInFlightCompleteWhileThePoolIsStarved()
    {
        CancellationToken token = TestContext.CurrentContext.CancellationToken;
        await using FunctionHost host = ShmSupport.NewHost(Folder);
        await using SharedMemoryEndpoint endpoint = host.StartSharedMemoryEndpoint(FullBudgetOptions());
        await using PeerProcess peer = ShmSupport.StartPeerAsync(Folder, token, "--inbox", "a", "--inbox", "b").GetAwaiter().GetResult();
        endpoint.AddRoute("both", "a", "b");
        Assert.That(endpoint.TryResolve("both", out IHoseSender? both), Is.True);
        Assert.That(endpoint.TryResolve("a", out IHoseSender? toA), Is.True);
        foreach (string inbox in (string[])["a", "b"])
        {
            Assert.That(peer.RequestAsync($"collect_background {inbox} {Stop}", token).GetAwaiter().GetResult(), Is.EqualTo("started"));
        }

        List<HoseClaim> held = HoldTheWholeBudget(toA!, endpoint);
        Task[] sends;
        bool allDone;
        bool probeRan;
        using (var starver = PoolStarver.Start(Guard))
        {
            sends = [.. Enumerable.Range(0, Waiting).Select(i => both!.SendAsync(ShmSupport.Pattern(60_000, i), token).AsTask())];
            held.ForEach(c => c.Dispose());
            allDone = Task.WaitAll(sends, Prompt);
            probeRan = starver.ProbeRan;
        }

        Assert.Multiple(() =>
        {
            Assert.That(allDone, Is.True, "the fan-out sends completed without a pool thread");
            Assert.That(probeRan, Is.False, "the pool was starved during the wait");
        });
        Assert.That(both!.Send(ShmSupport.Pattern(1000, Stop), Guard, token), Is.EqualTo(HoseStatus.Ok));
        foreach (string inbox in (string[])["a", "b"])
        {
            Assert.That(await peer.RequestAsync($"collected {inbox}", token), Is.EqualTo("ok " + string.Join(' ', Enumerable.Range(0, Waiting))), inbox);
        }
    }

    [Test]
    public async Task CancelledWaitingSendsAndClaimsThrowPromptlyAndTakeNothing()
    {
        CancellationToken token = TestContext.CurrentContext.CancellationToken;
        await using FunctionHost host = ShmSupport.NewHost(Folder);
        await using SharedMemoryEndpoint endpoint = host.StartSharedMemoryEndpoint(FullBudgetOptions());
        await using PeerProcess peer = await ShmSupport.StartPeerAsync(Folder, token, "--inbox", "sink");
        Assert.That(endpoint.TryResolve("sink", out IHoseSender? sender), Is.True);
        Assert.That(await peer.RequestAsync($"collect_background sink {Stop}", token), Is.EqualTo("started"));
        List<HoseClaim> held = HoldTheWholeBudget(sender!, endpoint);

        using var cancel = new CancellationTokenSource();
        Task[] waiting =
        [
            .. Enumerable.Range(0, Waiting).Select(i => sender!.SendAsync(ShmSupport.Pattern(60_000, 100 + i), cancel.Token).AsTask()),
            .. Enumerable.Range(0, 3).Select(_ => sender!.ClaimAsync(Region, cancel.Token).AsTask()),
        ];
        Assert.That(waiting.Any(t => t.IsCompleted), Is.False, "all wait for room");
        await cancel.CancelAsync();
        foreach (Task task in waiting)
        {
            Assert.That(async () => await task.WaitAsync(Guard, token), Throws.InstanceOf<OperationCanceledException>());
        }

        Assert.That(endpoint.Pool.LeasedBytes, Is.EqualTo(Regions * Region), "the cancelled waits took nothing: only the held claims are leased");
        held.ForEach(c => c.Dispose());
        Assert.That(ShmSupport.Eventually(() => endpoint.ReclaimAll() >= 0 && endpoint.Pool.LeasedBytes == 0, Guard), "the budget is whole again");

        await sender!.SendAsync(ShmSupport.Pattern(60_000, 7), token);
        Assert.That(sender.Send(ShmSupport.Pattern(1000, Stop), Guard, token), Is.EqualTo(HoseStatus.Ok));
        Assert.That(await peer.RequestAsync("collected sink", token), Is.EqualTo("ok 7"), "no cancelled payload arrived; the hose still sends");
    }

    [Test]
    public async Task AnAsyncSendThatNeedsNoWaitGoesEvenWithACancelledToken()
    {
        CancellationToken token = TestContext.CurrentContext.CancellationToken;
        await using FunctionHost host = ShmSupport.NewHost(Folder);
        await using SharedMemoryEndpoint endpoint = host.StartSharedMemoryEndpoint(FullBudgetOptions());
        await using PeerProcess peer = await ShmSupport.StartPeerAsync(Folder, token, "--inbox", "sink");
        Assert.That(endpoint.TryResolve("sink", out IHoseSender? sender), Is.True);
        Assert.That(await peer.RequestAsync($"collect_background sink {Stop}", token), Is.EqualTo("started"));

        await sender!.SendAsync(ShmSupport.Pattern(60_000, 3), new CancellationToken(canceled: true));
        List<HoseClaim> held = HoldTheWholeBudget(sender, endpoint);
        Assert.That(async () => await sender.SendAsync(ShmSupport.Pattern(60_000, 4), new CancellationToken(canceled: true)), Throws.InstanceOf<OperationCanceledException>(), "it would have to wait");
        held.ForEach(c => c.Dispose());
        Assert.That(sender.Send(ShmSupport.Pattern(1000, Stop), Guard, token), Is.EqualTo(HoseStatus.Ok));
        Assert.That(await peer.RequestAsync("collected sink", token), Is.EqualTo("ok 3"));
    }

    /// <summary>One size class and room for <see cref="Regions"/> regions in flight.</summary>
    private SharedMemoryOptions FullBudgetOptions()
    {
        SharedMemoryOptions options = ShmSupport.Options(Folder);
        options.SizeClasses = [Region];
        options.MaxBytesInFlight = Regions * Region;
        return options;
    }

    /// <summary>Claims (not committed) that take every byte in flight; disposing them gives it back at once.</summary>
    private static List<HoseClaim> HoldTheWholeBudget(IHoseSender sender, SharedMemoryEndpoint endpoint)
    {
        Assert.That(ShmSupport.Eventually(() => endpoint.ReclaimAll() >= 0 && endpoint.Pool.LeasedBytes == 0, Guard), "nothing in flight yet");
        var held = new List<HoseClaim>();
        for (int i = 0; i < Regions; i++)
        {
            ValueTask<HoseClaim> claim = sender.ClaimAsync(Region);
            Assert.That(claim.IsCompletedSuccessfully, Is.True, "there is room: the claim is granted at once");
            held.Add(claim.Result);
        }

        Assert.That(endpoint.Pool.LeasedBytes, Is.EqualTo(Regions * Region));
        return held;
    }
}
