using Roadrunner.Hosting;
using Roadrunner.Hoses;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Wasm;

/// <summary>echo.wasm pulls with receive_wait (growing its buffer through next_length) and sends each payload to "sink".</summary>
public class EchoGuestTests : FolderTest
{
    [TestCase(false)]
    [TestCase(true)]
    public async Task EchoForwardsEveryPayloadInOrder(bool dotNetSink)
    {
        await using FunctionHost host = CreateHost();
        IHoseReceiver sink = dotNetSink ? AddDotNetSink(host) : host.LoadText("sink", Guests.Sink).Guest.Inbox;
        WasmFunction echo = host.LoadFile("echo", CGuests.Echo);
        int[] lengths = [0, 1, 1000, 65536, 200_000, 3];
        byte[][] payloads = [.. lengths.Select((length, i) => Payloads.Random(length, i))];
        foreach (byte[] payload in payloads)
        {
            await host.Open("echo").SendAsync(payload, Ct);
        }

        int echoed = echo.Run(i => i.GetFunction<int, int>("run")!(payloads.Length));

        Assert.That(echoed, Is.EqualTo(payloads.Length));
        foreach (byte[] expected in payloads)
        {
            Assert.That(Payloads.Diff(await ReceiveBytesAsync(sink), expected), Is.Empty);
        }
    }

    [Test]
    public async Task EchoWakesForPayloadsSentWhileItWaits()
    {
        await using FunctionHost host = CreateHost();
        IHoseReceiver sink = host.LoadText("sink", Guests.Sink).Guest.Inbox;
        WasmFunction echo = host.LoadFile("echo", CGuests.Echo);
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<int> run = Task.Run(() => echo.Run(i =>
        {
            running.SetResult();
            return i.GetFunction<int, int>("run")!(3);
        }));
        await Within(running.Task);

        for (int n = 0; n < 3; n++)
        {
            byte[] payload = Payloads.Numbered(n, 100 + n);
            await host.Open("echo").SendAsync(payload, Ct);
            Assert.That(Payloads.Diff(await ReceiveBytesAsync(sink), payload), Is.Empty, "echoed while the guest waits");
        }

        Assert.That(await Within(run), Is.EqualTo(3));
    }

    [Test]
    public async Task EchoStopsWhenItsWaitTimesOut()
    {
        await using FunctionHost host = CreateHost();
        IHoseReceiver sink = host.LoadText("sink", Guests.Sink).Guest.Inbox;
        WasmFunction echo = host.LoadFile("echo", CGuests.Echo);
        await echo.Guest.Inbox.SendAsync(new byte[] { 1, 2, 3 }, Ct);

        int echoed = echo.Run(i => i.GetFunction<int, int>("run")!(2)); // the second wait times out after 1 s

        Assert.That(echoed, Is.EqualTo(1));
        Assert.That(await ReceiveBytesAsync(sink), Is.EqualTo(new byte[] { 1, 2, 3 }));
    }

    [Test]
    public async Task EchoWithoutASinkReportsUnknownTarget()
    {
        await using FunctionHost host = CreateHost();
        WasmFunction echo = host.LoadFile("echo", CGuests.Echo);

        Assert.That(echo.Run(i => i.GetFunction<int, int>("run")!(1)), Is.EqualTo((int)HoseStatus.UnknownTarget));
    }

    [Test]
    public async Task EchoFeedsAConsumerThroughARoute()
    {
        await using FunctionHost host = CreateHost();
        WasmFunction echo = host.LoadFile("echo", CGuests.Echo);
        WasmFunction consumer = host.LoadFile("consumer", CGuests.Consumer);
        host.AddRoute("sink", "consumer");
        byte[] payload = CGuests.ProducerPattern(123_457, 9);
        await echo.Guest.Inbox.SendAsync(payload, Ct);

        Assert.That(echo.Run(i => i.GetFunction<int, int>("run")!(1)), Is.EqualTo(1));

        Assert.Multiple(() =>
        {
            Assert.That(consumer.Run(i => i.GetFunction<int>("last_length")!()), Is.EqualTo(payload.Length));
            Assert.That(consumer.Run(i => i.GetFunction<long>("checksum")!()), Is.EqualTo(CGuests.Checksum(payload)));
        });
    }

    private IHoseReceiver AddDotNetSink(FunctionHost host)
    {
        var sink = Track(new InProcessHose("sink", host.Pool));
        host.AddDirectory(new FakeDirectory().Add("sink", sink));
        return sink;
    }
}
