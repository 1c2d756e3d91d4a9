using Roadrunner.Hosting;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Diagnostics;

/// <summary>The instruments docs/observability.md lists report what happened, with their tags.</summary>
public class InstrumentTests : FolderTest
{
    private MetricRecorder _metrics = null!;

    [SetUp]
    public void Listen() => _metrics = new MetricRecorder();

    [TearDown]
    public void Stop() => _metrics.Dispose();

    [Test]
    public async Task AGuestSendIsTimedWithItsModeAndStatus()
    {
        await using FunctionHost host = CreateHost();
        var sender = new GuestCalls(host.LoadText("sender", Guests.Caller));
        host.LoadText("receiver", Guests.PushReceiver);
        int handle = sender.Open("receiver");

        Assert.That(sender.Send(handle, GuestCalls.DataOffset, 100), Is.Zero);
        Assert.That(sender.Send(handle, GuestCalls.DataOffset, 70_000), Is.EqualTo((int)HoseStatus.PeerFailed)); // refused above 64 KiB

        var sends = _metrics.Measurements.Where(m => m.Instrument == "roadrunner.guest.send.duration").ToList();
        Assert.That(sends.Select(m => (m.Tags["mode"], m.Tags["status"])), Is.EqualTo(new[] { ((object?)"in-process", (object?)"Ok"), ("in-process", "PeerFailed") }));
        Assert.That(sends.Select(m => m.Value), Has.All.GreaterThan(0).And.All.LessThan(10));
    }

    [Test]
    public async Task QueueDepthAndPoolBytesAreObservedPerInboxAndPool()
    {
        await using FunctionHost host = CreateHost();
        IDataHose inbox = host.CreateInbox("depth");
        Assert.That(inbox.TrySend(new byte[1000]), Is.EqualTo(HoseStatus.Ok));
        Assert.That(inbox.TrySend(new byte[1000]), Is.EqualTo(HoseStatus.Ok));

        _metrics.Observe();

        Assert.That(Last("roadrunner.hose.queue_depth", "function", "depth"), Is.EqualTo(2));
        Assert.That(Last("roadrunner.regions.leased_bytes", "folder", host.Pool.FolderPath), Is.EqualTo(host.Pool.LeasedBytes).And.GreaterThan(0));
        Assert.That(Last("roadrunner.regions.mapped_bytes", "folder", host.Pool.FolderPath), Is.EqualTo(host.Pool.MappedBytes));
    }

    [Test]
    public async Task ADisposedInboxIsNoLongerReported()
    {
        await using FunctionHost host = CreateHost();
        IDataHose inbox = host.CreateInbox("gone");
        await inbox.DisposeAsync();

        _metrics.Observe();

        Assert.That(_metrics.Measurements.Where(m => m.Instrument == "roadrunner.hose.queue_depth" && Equals(m.Tags["function"], "gone")), Is.Empty);
    }

    [Test]
    public async Task FaultsAndAcceptedPayloadsNameTheFunction()
    {
        await using FunctionHost host = CreateHost();
        WasmFunction receiver = host.LoadText("faulty", Guests.PushReceiver);
        IHoseSender toReceiver = host.Open("faulty");
        Assert.That(toReceiver.TrySend([1, 2, 3]), Is.EqualTo(HoseStatus.Ok));
        receiver.Run(i =>
        {
            i.GetAction("trap_next")!();
            return 0;
        });
        Assert.That(toReceiver.TrySend([4]), Is.EqualTo(HoseStatus.PeerFailed));

        Assert.That(_metrics.Measurements.Where(m => m.Instrument == "roadrunner.hose.payloads").Select(m => (m.Tags["function"], m.Tags["path"])), Has.Member(((object?)"faulty", (object?)"direct")));
        Assert.That(_metrics.Measurements.Where(m => m.Instrument == "roadrunner.guest.faults").Select(m => m.Tags["function"]), Is.EqualTo(new[] { "faulty" }));
    }

    private double Last(string instrument, string tag, object value) =>
        _metrics.Measurements.Last(m => m.Instrument == instrument && Equals(m.Tags[tag], value)).Value;
}
