using System.Diagnostics;
using Roadrunner.Diagnostics;
using Roadrunner.Hoses.Network;
using Roadrunner.Tests.Diagnostics;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Hoses.Network;

/// <summary>The sender's trace context rides in the first Data frame: the receiving node's deliver span continues it.</summary>
public class NetworkTracingTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Test]
    public async Task APayloadReadFromTheSocketIntoAnIdleGuestContinuesTheSendersTrace()
    {
        using var spans = new SpanRecorder();
        await using var bed = NetworkTestbed.Start();

        Assert.That(bed.Open("push").Send(Payloads.Random(4000, 1), Wait), Is.EqualTo(HoseStatus.Ok));

        Activity send = spans.Single(RoadrunnerActivity.SendName, "push");
        Activity deliver = spans.Single(RoadrunnerActivity.DeliverName, "push");
        TracingTests.AssertChild(deliver, send);
        Assert.That(deliver.HasRemoteParent, Is.True);
        Assert.That(send.GetTagItem("roadrunner.mode"), Is.EqualTo("network"));
        TracingTests.AssertTags(deliver, ActivityKind.Consumer, "network", "streamed", 4000, "process");
    }

    [Test]
    public async Task AQueuedPayloadContinuesTheSendersTraceWhenItIsTaken()
    {
        using var spans = new SpanRecorder();
        await using var bed = NetworkTestbed.Start(client: o => o.MaxFrameBytes = 64 * 1024, server: o => o.MaxFrameBytes = 64 * 1024);
        byte[] payload = Payloads.Random(200_000, 2); // several frames: the context rides in the first only

        Assert.That(bed.Open("pull").Send(payload, Wait), Is.EqualTo(HoseStatus.Ok));
        Assert.That(bed.TakeFrom("pull"), Is.EqualTo(payload));

        TracingTests.AssertChild(spans.Single(RoadrunnerActivity.DeliverName, "pull"), spans.Single(RoadrunnerActivity.SendName, "pull"));
        TracingTests.AssertTags(spans.Single(RoadrunnerActivity.DeliverName, "pull"), ActivityKind.Consumer, "network", "queued", 200_000, "process");
    }

    [Test]
    public async Task ARouteServedOverTheNetworkForwardsInsideTheSendersTrace()
    {
        using var spans = new SpanRecorder();
        await using var bed = NetworkTestbed.Start();
        bed.Server.AddRoute("both", "pull", "pull2");
        bed.Resolver.Add("both", bed.ServerAddress);

        Assert.That(bed.Open("both").Send(new byte[500], Wait), Is.EqualTo(HoseStatus.Ok));
        Assert.That(bed.TakeFrom("pull"), Has.Length.EqualTo(500));
        Assert.That(bed.TakeFrom("pull2"), Has.Length.EqualTo(500));

        Activity[] sends = [.. spans.All(RoadrunnerActivity.SendName, "both")];
        Assert.That(sends, Has.Length.EqualTo(2), "the network send and the route's send on the server");
        Activity remote = sends.Single(s => Equals(s.GetTagItem("roadrunner.mode"), "network"));
        Activity local = sends.Single(s => Equals(s.GetTagItem("roadrunner.mode"), "in-process"));
        Activity forwarded = spans.Single(RoadrunnerActivity.DeliverName, "both");
        Assert.That(forwarded.GetTagItem("roadrunner.path"), Is.EqualTo("forwarded"));
        TracingTests.AssertChild(forwarded, remote);
        TracingTests.AssertChild(local, forwarded);
        TracingTests.AssertChild(spans.Single(RoadrunnerActivity.DeliverName, "pull2"), local);
    }

    [Test]
    public void ATraceContextOnAnythingButAMessagesFirstFrameIsAProtocolError()
    {
        byte[] header = new FrameHeader(FrameKind.Data, FrameFlags.Last | FrameFlags.TraceContext, 1, 10, 1, 0, 0).ToArray();
        Assert.That(() => FrameHeader.Read(header, 1 << 20), Throws.TypeOf<ProtocolException>().With.Message.Contains("trace context"));

        byte[] first = new FrameHeader(FrameKind.Data, FrameFlags.First | FrameFlags.Last | FrameFlags.TraceContext, 1, 10, 1, 0, 10).ToArray();
        Assert.That(FrameHeader.Read(first, 1 << 20).Has(FrameFlags.TraceContext), Is.True);
    }
}
