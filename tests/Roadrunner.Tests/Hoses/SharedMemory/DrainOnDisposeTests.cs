using Roadrunner.Hosting;
using Roadrunner.Hoses.SharedMemory;
using Roadrunner.Workloads;

namespace Roadrunner.Tests.Hoses.SharedMemory;

/// <summary>
/// A payload reported handed over lives in the sender's region files, which its endpoint deletes when disposed: a
/// sender that sends and closes at once (a CLI invoke, a short job) must not take its payloads away from a live
/// receiver. Disposing waits, up to <see cref="SharedMemoryOptions.DrainTimeout"/>, until they are released.
/// </summary>
[CancelAfter(60_000)]
public class DrainOnDisposeTests : SharedMemoryTest
{
    [Test]
    public async Task PayloadsSentJustBeforeTheSenderClosesStillArriveWhole()
    {
        CancellationToken token = TestContext.CurrentContext.CancellationToken;
        await using PeerProcess peer = await ShmSupport.StartPeerAsync(Folder, token, "--inbox", "sink");
        const int Count = 20;
        await using (FunctionHost host = NewHost())
        {
            await using SharedMemoryEndpoint endpoint = host.StartSharedMemoryEndpoint(ShmSupport.Options(Folder));
            Assert.That(endpoint.TryResolve("sink", out IHoseSender? sender), Is.True);
            for (int i = 0; i < Count; i++)
            {
                Assert.That(sender!.Send(ShmSupport.Pattern(300_000 + i, 7000 + i), TimeSpan.FromSeconds(10), token), Is.EqualTo(HoseStatus.Ok));
            }
        } // the endpoint and its pool are gone: their region files are deleted

        Assert.That(await peer.RequestAsync($"drain sink {Count} 7000", token), Is.EqualTo("ok"), "every payload reported Ok arrived intact");
        Assert.That(Logs.Of("SharedMemoryUndrained"), Is.Empty, Logs.ToString());
    }

    [Test]
    public async Task ADrainTimeoutBoundsTheWaitAndIsLogged()
    {
        CancellationToken token = TestContext.CurrentContext.CancellationToken;
        // An inbox of one: the child takes the first payload, then waits for room before it takes the second.
        await using PeerProcess peer = await ShmSupport.StartPeerAsync(Folder, token, "--inbox", "sink:1");
        await using FunctionHost host = NewHost();
        SharedMemoryOptions options = ShmSupport.Options(Folder);
        options.DrainTimeout = TimeSpan.FromMilliseconds(300);
        SharedMemoryEndpoint endpoint = host.StartSharedMemoryEndpoint(options);
        Assert.That(endpoint.TryResolve("sink", out IHoseSender? sender), Is.True);
        Assert.That(sender!.Send(ShmSupport.Pattern(300_000, 1), TimeSpan.FromSeconds(10), token), Is.EqualTo(HoseStatus.Ok));
        Assert.That(sender.Send(ShmSupport.Pattern(300_000, 2), TimeSpan.FromSeconds(10), token), Is.EqualTo(HoseStatus.Ok));

        var watch = System.Diagnostics.Stopwatch.StartNew();
        await endpoint.DisposeAsync();

        Assert.That(watch.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(250)).And.LessThan(TimeSpan.FromSeconds(5)), "bounded by the drain timeout");
        Assert.That(Logs.Of("SharedMemoryUndrained").Single().Fields["InFlight"], Is.EqualTo(2L), Logs.ToString());
        Assert.That(await peer.RequestAsync("drain sink 1 1", token), Is.EqualTo("ok"), "the payload the child had taken is intact");
    }

    [Test]
    public async Task AReceivingEndpointThatClosesTakesWhatWasAlreadyHandedOverToIt()
    {
        CancellationToken token = TestContext.CurrentContext.CancellationToken;
        await using FunctionHost host = NewHost();
        WasmFunction sink = host.LoadText("sink", Roadrunner.Tests.Support.Guests.Caller); // a pull receiver: payloads queue
        await using PeerProcess peer = await ShmSupport.StartPeerAsync(Folder, token);
        SharedMemoryEndpoint endpoint = host.StartSharedMemoryEndpoint(ShmSupport.Options(Folder));

        const int Count = 200; // below the ring's 256 slots: queued leases hold theirs until read
        Assert.That(await peer.RequestAsync($"send sink 1000 9000 {Count}", token), Is.EqualTo("ok"), "the child was told Ok for every payload");
        await endpoint.DisposeAsync(); // at once: its receive thread may still be behind the sender

        Assert.That(sink.Guest.InboxHose.QueuedCount, Is.EqualTo(Count), "every payload handed over was taken before the endpoint stopped");
    }
}
