using System.Diagnostics;
using Roadrunner.Diagnostics;
using Roadrunner.Hosting;
using Roadrunner.Hoses.SharedMemory;
using Roadrunner.Tests.Support;
using Roadrunner.Workloads;

namespace Roadrunner.Tests.Hoses.SharedMemory;

/// <summary>
/// The sender's trace context rides in the ring descriptor: a real child process (Roadrunner.Peer shm --trace on)
/// reports the trace id and parent span id of its deliver spans. An older ring format is refused by name.
/// </summary>
[CancelAfter(120_000)]
public class CrossProcessTracingTests : SharedMemoryTest
{
    [Test]
    public async Task TheChildsDeliverSpansContinueTheSendSpansOfThisProcess()
    {
        CancellationToken token = TestContext.CurrentContext.CancellationToken;
        using var spans = new SpanRecorder();
        await using FunctionHost host = ShmSupport.NewHost(Folder);
        await using SharedMemoryEndpoint endpoint = host.StartSharedMemoryEndpoint(ShmSupport.Options(Folder));
        await using PeerProcess peer = await ShmSupport.StartPeerAsync(Folder, token, "--trace", "on", "--inbox", "sink", "--guest", ShmSupport.ConsumerGuest);

        // Inline, straight into the idle consumer guest.
        Assert.That(host.Open("consumer").Send(ShmSupport.Pattern(40, 1), TimeSpan.FromSeconds(30), token), Is.EqualTo(HoseStatus.Ok));
        Activity toGuest = spans.Single(RoadrunnerActivity.SendName, "consumer");
        Assert.That(await peer.RequestAsync("trace consumer", token), Is.EqualTo($"{toGuest.TraceId.ToHexString()} {toGuest.SpanId.ToHexString()} cross-process inline"));
        Assert.That(await peer.RequestAsync("count consumer", token), Is.EqualTo("1"));
        Assert.That(toGuest.GetTagItem("roadrunner.path"), Is.EqualTo("inline"));

        // In regions, queued in a .NET inbox and taken there.
        Assert.That(host.Open("sink").Send(ShmSupport.Pattern(100_000, 7), TimeSpan.FromSeconds(30), token), Is.EqualTo(HoseStatus.Ok));
        Assert.That(await peer.RequestAsync("drain sink 1 7", token), Is.EqualTo("ok"));
        Activity toInbox = spans.Single(RoadrunnerActivity.SendName, "sink");
        Assert.That(await peer.RequestAsync("trace sink", token), Is.EqualTo($"{toInbox.TraceId.ToHexString()} {toInbox.SpanId.ToHexString()} cross-process queued"));
        Assert.That(toInbox.GetTagItem("roadrunner.path"), Is.EqualTo("regions"));
        Assert.That(toInbox.TraceId, Is.Not.EqualTo(toGuest.TraceId), "two sends without a parent are two traces");
    }

    [Test]
    public async Task ARingOfAnOlderFormatIsRefusedWithTheVersionsNamed()
    {
        await using FunctionHost host = NewHost();
        await using SharedMemoryEndpoint endpoint = host.StartSharedMemoryEndpoint(ShmSupport.Options(Folder));
        endpoint.CreateInbox("sink");
        using var older = new HostileSender(Folder, endpoint.Tag, "sink", version: RingLayout.Version - 1);

        Assert.That(ShmSupport.Eventually(() => older.ReceiverClosed), "the receiver refused the ring");
        Assert.That(older.Failure, Is.EqualTo((int)HoseStatus.PeerFailed));
        Assert.That(ShmSupport.Eventually(() => Logs.Problems.Any()), Logs.ToString());
        Assert.That(Logs.Problems.Select(e => e.Message), Has.Some.Contains($"ring format version {RingLayout.Version - 1}").And.Some.Contains($"reads version {RingLayout.Version}"));
    }
}
