using System.Diagnostics;
using Roadrunner.Diagnostics;
using Roadrunner.Hosting;
using Roadrunner.Hoses;
using Roadrunner.Hoses.SharedMemory;
using Roadrunner.Regions;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Diagnostics;

/// <summary>
/// In-process spans: the deliver span on the receiving side continues the send span's trace, on the direct path (inside
/// the send) and the queued one (later, on another thread), and through a guest that forwards what it gets.
/// </summary>
public class TracingTests : FolderTest
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Test]
    public async Task AnIdlePushReceiverDeliversInsideTheSendSpan()
    {
        using var spans = new SpanRecorder();
        await using FunctionHost host = CreateHost();
        host.LoadText("push", Guests.PushReceiver);

        Assert.That(host.Open("push").Send(new byte[300], Wait), Is.EqualTo(HoseStatus.Ok));

        Activity send = spans.Single(RoadrunnerActivity.SendName, "push");
        Activity deliver = spans.Single(RoadrunnerActivity.DeliverName, "push");
        AssertChild(deliver, send);
        AssertTags(send, ActivityKind.Producer, "in-process", "direct", 300, "send");
        AssertTags(deliver, ActivityKind.Consumer, "in-process", "direct", 300, "process");
        Assert.That(send.GetTagItem("roadrunner.status"), Is.EqualTo("Ok"));
    }

    [Test]
    public async Task AQueuedPayloadCarriesTheSendersContextToItsLaterDelivery()
    {
        using var spans = new SpanRecorder();
        await using FunctionHost host = CreateHost();
        WasmFunction push = host.LoadText("push", Guests.PushReceiver);
        IDataHose inbox = host.CreateInbox("inbox");

        await using (await GateHolder.HoldAsync(push, Wait))
        {
            Assert.That(host.Open("push").TrySend(new byte[200]), Is.EqualTo(HoseStatus.Ok), "queued while the guest is busy");
        }

        await host.Open("inbox").SendAsync(new byte[50], Ct);
        Assert.That(inbox.TryReceive(out HoseLease? lease), Is.True);
        lease!.Dispose();

        Activity send = spans.Single(RoadrunnerActivity.SendName, "push");
        Activity deliver = spans.Single(RoadrunnerActivity.DeliverName, "push");
        AssertChild(deliver, send);
        AssertTags(send, ActivityKind.Producer, "in-process", "queued", 200, "send");
        AssertTags(deliver, ActivityKind.Consumer, "in-process", "queued", 200, "process");
        AssertChild(spans.Single(RoadrunnerActivity.DeliverName, "inbox"), spans.Single(RoadrunnerActivity.SendName, "inbox"));
    }

    [Test]
    public async Task AGuestThatForwardsWhatItGetsContinuesTheTrace()
    {
        using var spans = new SpanRecorder();
        await using FunctionHost host = CreateHost();
        host.LoadText("relay", Guests.Relay);
        WasmFunction sink = host.LoadText("sink", Guests.Sink);

        Assert.That(host.Open("relay").Send(new byte[64], Wait), Is.EqualTo(HoseStatus.Ok));
        Assert.That(await ReceiveBytesAsync(sink.Guest.Inbox), Has.Length.EqualTo(64));

        Activity first = spans.Single(RoadrunnerActivity.SendName, "relay");
        Activity relayed = spans.Single(RoadrunnerActivity.DeliverName, "relay");
        Activity forward = spans.Single(RoadrunnerActivity.SendName, "sink");
        AssertChild(relayed, first);
        AssertChild(forward, relayed);
        AssertChild(spans.Single(RoadrunnerActivity.DeliverName, "sink"), forward);
    }

    [Test]
    public async Task ARouteSendsOnceAndEachTargetsDeliveryIsItsChild()
    {
        using var spans = new SpanRecorder();
        await using FunctionHost host = CreateHost();
        host.LoadText("push", Guests.PushReceiver);
        IDataHose inbox = host.CreateInbox("inbox");
        host.AddRoute("both", "push", "inbox");

        Assert.That(host.Open("both").Send(new byte[30], Wait), Is.EqualTo(HoseStatus.Ok));
        Assert.That(inbox.TryReceive(out HoseLease? lease), Is.True);
        lease!.Dispose();

        Activity send = spans.Single(RoadrunnerActivity.SendName, "both");
        Assert.That(send.GetTagItem("roadrunner.mode"), Is.EqualTo("in-process"));
        AssertChild(spans.Single(RoadrunnerActivity.DeliverName, "push"), send);
        AssertChild(spans.Single(RoadrunnerActivity.DeliverName, "inbox"), send);
    }

    [Test]
    public async Task WithoutAListenerNoSpanIsMadeAndNoContextTravels()
    {
        Assert.That(RoadrunnerActivity.Source.HasListeners(), Is.False, "another test left a listener behind");
        await using var hose = new InProcessHose("quiet", CreatePool());

        Assert.That(RoadrunnerActivity.StartSend("quiet", 1, RoadrunnerActivity.InProcess), Is.Null);
        Assert.That(hose.TrySend(new byte[10]), Is.EqualTo(HoseStatus.Ok));
        Assert.That(Activity.Current, Is.Null);
        Assert.That(hose.TryTake(out RegionPayload? payload), Is.True);
        Assert.That(payload!.Trace.IsValid, Is.False);
        payload.Release();

        byte[] slot = DescriptorBytes(TraceContext.Current);
        Assert.That(slot.AsSpan(RingLayout.SlotOffset(0) + RingLayout.TraceOffset, TraceContext.Size).ToArray(), Is.All.Zero, "a descriptor's trace fields");
    }

    [Test]
    public void ADescriptorCarriesTheCurrentSpansContext()
    {
        using var spans = new SpanRecorder();
        using Activity? send = RoadrunnerActivity.StartSend("t", 1, RoadrunnerActivity.CrossProcess);
        Assert.That(send, Is.Not.Null);

        byte[] slot = DescriptorBytes(TraceContext.Current);
        Descriptor read = ReadDescriptor(slot);
        Assert.That(read.Trace, Is.EqualTo(new TraceContext(send!.TraceId, send.SpanId, ActivityTraceFlags.Recorded)));
        Assert.That(read.Length, Is.EqualTo(5), "the fields before the trace context are intact");
    }

    internal static void AssertChild(Activity child, Activity parent) => Assert.Multiple(() =>
    {
        Assert.That(child.TraceId, Is.EqualTo(parent.TraceId), $"{child.OperationName} continues the trace of {parent.OperationName}");
        Assert.That(child.ParentSpanId, Is.EqualTo(parent.SpanId), $"{child.OperationName}'s parent is {parent.OperationName}");
    });

    internal static void AssertTags(Activity span, ActivityKind kind, string mode, string path, long bytes, string operation) => Assert.Multiple(() =>
    {
        Assert.That(span.Kind, Is.EqualTo(kind));
        Assert.That(span.GetTagItem("messaging.system"), Is.EqualTo("roadrunner"));
        Assert.That(span.GetTagItem("messaging.operation.type"), Is.EqualTo(operation));
        Assert.That(span.GetTagItem("messaging.message.body.size"), Is.EqualTo(bytes));
        Assert.That(span.GetTagItem("roadrunner.mode"), Is.EqualTo(mode));
        Assert.That(span.GetTagItem("roadrunner.path"), Is.EqualTo(path));
    });

    private static unsafe byte[] DescriptorBytes(TraceContext trace)
    {
        byte[] ring = new byte[RingLayout.FileSize(2)];
        ring.AsSpan(RingLayout.SlotOffset(0), RingLayout.SlotSize).Fill(0xee);
        fixed (byte* p = ring)
        {
            new Descriptor(0, 0, 0, 0, 5, RingLayout.Inline, 5, Trace: trace).Write(p, 0);
        }

        return ring;
    }

    private static unsafe Descriptor ReadDescriptor(byte[] ring)
    {
        fixed (byte* p = ring)
        {
            return Descriptor.Read(p, 0);
        }
    }
}
