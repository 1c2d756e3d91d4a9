using Roadrunner.Hosting;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Diagnostics;

/// <summary>Every failed guest send and every refusal by a push receiver is counted, whatever the path.</summary>
public class GuestMetricsTests : FolderTest
{
    private MetricRecorder _metrics = null!;

    [SetUp]
    public void Listen() => _metrics = new MetricRecorder();

    [TearDown]
    public void Stop() => _metrics.Dispose();

    [Test]
    public async Task SendsThatFailTheirOwnChecksAreCounted()
    {
        await using FunctionHost host = CreateHost();
        var sender = new GuestCalls(host.LoadText("sender", Guests.Caller));

        sender.Send(1, 1 << 30, 10);
        sender.TrySend(77, 0, 10);
        sender.Send(77, 0, 10);

        Assert.That(_metrics.Total("roadrunner.guest.send_failures|status=BadPointer"), Is.EqualTo(1));
        Assert.That(_metrics.Total("roadrunner.guest.send_failures|status=BadHandle"), Is.EqualTo(2));
    }

    [Test]
    public async Task RefusalsAreCountedOnTheDirectAndTheQueuedPath()
    {
        await using FunctionHost host = CreateHost();
        WasmFunction receiver = host.LoadText("refuser", Guests.PushReceiver); // rr_alloc answers 0 above 64 KiB
        IHoseSender toReceiver = host.Open("refuser");

        Assert.That(toReceiver.TrySend(new byte[65537]), Is.EqualTo(HoseStatus.PeerFailed), "refused while idle");
        await using (await GateHolder.HoldAsync(receiver, WaitLimit))
        {
            Assert.That(toReceiver.TrySend(new byte[65537]), Is.EqualTo(HoseStatus.Ok), "queued while busy");
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(WaitLimit);
        while (_metrics.Total("roadrunner.push.refused|function=refuser|path=queued") == 0)
        {
            await Task.Yield();
            deadline.Token.ThrowIfCancellationRequested();
        }

        Assert.That(_metrics.Total("roadrunner.push.refused|function=refuser|path=direct"), Is.EqualTo(1));
        Assert.That(_metrics.Total("roadrunner.push.refused|function=refuser|path=queued"), Is.EqualTo(1));
    }
}
