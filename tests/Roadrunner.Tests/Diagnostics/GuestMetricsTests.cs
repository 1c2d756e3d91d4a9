using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Roadrunner.Diagnostics;
using Roadrunner.Hosting;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Diagnostics;

/// <summary>Every failed guest send and every refusal by a push receiver is counted, whatever the path.</summary>
public class GuestMetricsTests : FolderTest
{
    private MeterListener _listener = null!;
    private ConcurrentDictionary<string, long> _totals = null!;

    [SetUp]
    public void Listen()
    {
        _totals = new ConcurrentDictionary<string, long>();
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == RoadrunnerMetrics.MeterName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string key = instrument.Name;
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                key += $"|{tag.Key}={tag.Value}";
            }

            _totals.AddOrUpdate(key, value, (_, total) => total + value);
        });
        _listener.Start();
    }

    [TearDown]
    public void Stop() => _listener.Dispose();

    [Test]
    public async Task SendsThatFailTheirOwnChecksAreCounted()
    {
        await using FunctionHost host = CreateHost();
        var sender = new GuestCalls(host.LoadText("sender", Guests.Caller));

        sender.Send(1, 1 << 30, 10);
        sender.TrySend(77, 0, 10);
        sender.Send(77, 0, 10);

        Assert.That(_totals.GetValueOrDefault("roadrunner.guest.send_failures|status=BadPointer"), Is.EqualTo(1));
        Assert.That(_totals.GetValueOrDefault("roadrunner.guest.send_failures|status=BadHandle"), Is.EqualTo(2));
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
        while (_totals.GetValueOrDefault("roadrunner.push.refused|function=refuser|path=queued") == 0)
        {
            await Task.Yield();
            deadline.Token.ThrowIfCancellationRequested();
        }

        Assert.That(_totals.GetValueOrDefault("roadrunner.push.refused|function=refuser|path=direct"), Is.EqualTo(1));
        Assert.That(_totals.GetValueOrDefault("roadrunner.push.refused|function=refuser|path=queued"), Is.EqualTo(1));
    }
}
