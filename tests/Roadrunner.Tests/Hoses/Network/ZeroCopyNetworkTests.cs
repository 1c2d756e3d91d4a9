using System.Runtime.Versioning;
using Roadrunner.Hosting;
using Roadrunner.Tests.Support;
using Roadrunner.Tests.Wasm;

namespace Roadrunner.Tests.Hoses.Network;

/// <summary>
/// Over the network a busy receiver's payload is read from the socket into regions (the kernel's copy) and, when the
/// receiver exports <c>rr_alloc_window</c>, mapped into it when it gets to it: no copy on the receiving host.
/// </summary>
[SupportedOSPlatform("linux")]
public class ZeroCopyNetworkTests
{
    [Test]
    public async Task AQueuedNetworkPayloadIsMappedIntoTheReceiver()
    {
        const int Length = 3 * 1024 * 1024;
        using var metrics = new MetricRecorder();
        await using var bed = NetworkTestbed.Start(host: o => ZeroCopyHopTests.ZeroCopy(o, regions: false), extraGuestName: "zc", extraGuestWat: ZeroCopyGuest.Wat);
        var receiver = new ZeroCopyGuest(bed.Server["zc"]);
        uint window = receiver.NewWindow(Length);
        receiver.SetWindow(window);
        byte[] payload = Payloads.Random(Length, seed: 8);

        await using (await GateHolder.HoldAsync(receiver.Function, TimeSpan.FromSeconds(15)))
        {
            Assert.That(bed.Open("zc").Send(payload, TimeSpan.FromSeconds(15)), Is.EqualTo(HoseStatus.Ok), "acknowledged once queued");
        }

        Assert.Multiple(() =>
        {
            Assert.That(receiver.Get("count"), Is.EqualTo(1), "pushed when the gate was left");
            Assert.That(receiver.Get("sum"), Is.EqualTo(ZeroCopyGuest.Checksum(payload)));
            Assert.That((uint)receiver.Get("ptr"), Is.EqualTo(window), "mapped into the window");
            Assert.That(metrics.Total("roadrunner.guest.transfers|function=zc|transfer=mapped"), Is.EqualTo(1));
        });
    }
}
