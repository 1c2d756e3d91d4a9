using System.Diagnostics;
using Roadrunner.Hosting;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Wasm;

/// <summary>Pull receivers take payloads with receive, next_length and receive_wait.</summary>
public class PullReceiveTests : FolderTest
{
    private const int Buffer = 8192;

    [Test]
    public async Task ReceiveTakesQueuedPayloadsInOrder()
    {
        await using FunctionHost host = CreateHost();
        var puller = new GuestCalls(host.LoadText("puller", Guests.Caller));
        byte[][] payloads = [.. Enumerable.Range(0, 4).Select(i => Payloads.Numbered(i, 100 + (i * 1000)))];
        foreach (byte[] payload in payloads)
        {
            await host.Open("puller").SendAsync(payload, Ct);
        }

        Assert.That(puller.Function.Guest.IsPushReceiver, Is.False);
        foreach (byte[] expected in payloads)
        {
            Assert.That(puller.NextLength(), Is.EqualTo(expected.Length));
            Assert.That(puller.Receive(Buffer, 60_000), Is.EqualTo(expected.Length));
            Assert.That(Payloads.Diff(puller.Read(Buffer, expected.Length), expected), Is.Empty);
        }

        Assert.Multiple(() =>
        {
            Assert.That(puller.NextLength(), Is.EqualTo((int)HoseStatus.WouldBlock));
            Assert.That(puller.Receive(Buffer, 100), Is.EqualTo((int)HoseStatus.WouldBlock));
            Assert.That(host.Pool.LeasedBytes, Is.Zero, "received payloads give their regions back");
        });
    }

    [Test]
    public async Task GuestSendsToAPullReceiver()
    {
        await using FunctionHost host = CreateHost();
        var sender = new GuestCalls(host.LoadText("sender", Guests.Caller));
        var puller = new GuestCalls(host.LoadText("puller", Guests.Caller));
        byte[] payload = Payloads.Random(40_000, 9);
        int handle = sender.Open("puller");

        Assert.That(sender.Send(handle, payload), Is.EqualTo((int)HoseStatus.Ok));
        Assert.That(puller.Receive(Buffer, 50_000), Is.EqualTo(payload.Length));

        Assert.That(Payloads.Diff(puller.Read(Buffer, payload.Length), payload), Is.Empty);
    }

    [Test]
    public async Task EmptyPayloadIsReceivedAsLengthZero()
    {
        await using FunctionHost host = CreateHost();
        var puller = new GuestCalls(host.LoadText("puller", Guests.Caller));
        await puller.Function.Guest.Inbox.SendAsync(ReadOnlyMemory<byte>.Empty, Ct);

        Assert.That(puller.NextLength(), Is.Zero);
        Assert.That(puller.Receive(Buffer, 0), Is.Zero);
        Assert.That(puller.NextLength(), Is.EqualTo((int)HoseStatus.WouldBlock));
    }

    [Test]
    public async Task BufferTooSmallKeepsThePayloadQueued()
    {
        await using FunctionHost host = CreateHost();
        var puller = new GuestCalls(host.LoadText("puller", Guests.Caller));
        byte[] payload = Payloads.Random(1000, 1);
        await puller.Function.Guest.Inbox.SendAsync(payload, Ct);

        Assert.Multiple(() =>
        {
            Assert.That(puller.Receive(Buffer, 999), Is.EqualTo((int)HoseStatus.BufferTooSmall));
            Assert.That(puller.ReceiveWait(Buffer, 999, 100), Is.EqualTo((int)HoseStatus.BufferTooSmall));
            Assert.That(puller.NextLength(), Is.EqualTo(1000), "still queued");
        });
        Assert.That(puller.Receive(Buffer, 1000), Is.EqualTo(1000));
        Assert.That(Payloads.Diff(puller.Read(Buffer, 1000), payload), Is.Empty);
    }

    [Test]
    public async Task ReceiveWaitTimesOutWhenNothingComes()
    {
        await using FunctionHost host = CreateHost();
        var puller = new GuestCalls(host.LoadText("puller", Guests.Caller));
        var clock = Stopwatch.StartNew();

        int result = puller.ReceiveWait(Buffer, 100, 100);

        Assert.Multiple(() =>
        {
            Assert.That(result, Is.EqualTo((int)HoseStatus.TimedOut));
            Assert.That((int)HoseStatus.TimedOut, Is.EqualTo(-10));
            Assert.That(clock.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(90)));
        });
    }

    [TestCase(0)]
    [TestCase(-5)]
    public async Task ReceiveWaitWithoutATimeoutDoesNotWait(int timeout)
    {
        await using FunctionHost host = CreateHost();
        var puller = new GuestCalls(host.LoadText("puller", Guests.Caller));

        Assert.That(puller.ReceiveWait(Buffer, 100, timeout), Is.EqualTo((int)HoseStatus.WouldBlock));
        await puller.Function.Guest.Inbox.SendAsync(new byte[] { 1, 2 }, Ct);
        Assert.That(puller.ReceiveWait(Buffer, 100, timeout), Is.EqualTo(2));
    }

    [Test]
    public async Task ReceiveWaitIsCutToTheHostsMaximum()
    {
        await using FunctionHost host = CreateHost(o => o.Guest.MaxReceiveWait = TimeSpan.FromMilliseconds(100));
        var puller = new GuestCalls(host.LoadText("puller", Guests.Caller));
        var clock = Stopwatch.StartNew();

        int result = puller.ReceiveWait(Buffer, 100, 60_000);

        Assert.That(result, Is.EqualTo((int)HoseStatus.TimedOut));
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)));
    }

    [Test]
    public async Task ReceiveWaitWakesForAPayloadSentFromAnotherThread()
    {
        await using FunctionHost host = CreateHost();
        WasmFunction puller = host.LoadText("puller", Guests.Caller);
        var waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var clock = Stopwatch.StartNew();
        Task<int> receive = Task.Run(() => puller.Run(i =>
        {
            waiting.SetResult();
            return i.GetFunction<int, int, int, int>("receive_wait")!(Buffer, 100, 8000);
        }));
        await Within(waiting.Task);

        await host.Open("puller").SendAsync(new byte[] { 7, 7, 7 }, Ct);

        Assert.That(await Within(receive), Is.EqualTo(3));
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(6)), "woken by the payload, not by the timeout");
        Assert.That(new GuestCalls(puller).Read(Buffer, 3), Is.EqualTo(new byte[] { 7, 7, 7 }));
    }

    [Test]
    public async Task ReceiveWaitWakesForAGuestSendingFromAnotherThread()
    {
        await using FunctionHost host = CreateHost();
        WasmFunction puller = host.LoadText("puller", Guests.Caller);
        var sender = new GuestCalls(host.LoadText("sender", Guests.Caller));
        int handle = sender.Open("puller");
        var waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<int> receive = Task.Run(() => puller.Run(i =>
        {
            waiting.SetResult();
            return i.GetFunction<int, int, int, int>("receive_wait")!(Buffer, 20_000, 8000);
        }));
        await Within(waiting.Task);

        byte[] payload = Payloads.Random(12_345, 3);
        Assert.That(sender.Send(handle, payload), Is.EqualTo((int)HoseStatus.Ok));

        Assert.That(await Within(receive), Is.EqualTo(payload.Length));
        Assert.That(Payloads.Diff(new GuestCalls(puller).Read(Buffer, payload.Length), payload), Is.Empty);
    }

    [Test]
    public async Task ReceiveReportsClosedOnceTheInboxIsCompletedAndDrained()
    {
        await using FunctionHost host = CreateHost();
        var puller = new GuestCalls(host.LoadText("puller", Guests.Caller));
        await puller.Function.Guest.Inbox.SendAsync(new byte[] { 1 }, Ct);
        puller.Function.Guest.Inbox.Complete();

        Assert.That(puller.Receive(Buffer, 10), Is.EqualTo(1), "what was sent is still delivered");
        Assert.Multiple(() =>
        {
            Assert.That(puller.Receive(Buffer, 10), Is.EqualTo((int)HoseStatus.Closed));
            Assert.That(puller.NextLength(), Is.EqualTo((int)HoseStatus.Closed));
            Assert.That(puller.ReceiveWait(Buffer, 10, 5000), Is.EqualTo((int)HoseStatus.Closed), "no wait on a closed inbox");
        });
    }

    [Test]
    public async Task DisposingTheHostEndsAReceiveWaitInProgress()
    {
        FunctionHost host = CreateHost();
        WasmFunction puller = host.LoadText("puller", Guests.Caller);
        var waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<int> receive = Task.Run(() => puller.Run(i =>
        {
            waiting.SetResult();
            return i.GetFunction<int, int, int, int>("receive_wait")!(Buffer, 100, 8000);
        }));
        await Within(waiting.Task);

        Task disposing = host.DisposeAsync().AsTask();

        Assert.That(await Within(receive), Is.EqualTo((int)HoseStatus.Closed));
        await Within(disposing);
    }

    [Test]
    public async Task GuestSendsToDotNetThroughANamedHose()
    {
        await using FunctionHost host = CreateHost();
        var sender = new GuestCalls(host.LoadText("sender", Guests.Caller));
        WasmFunction sink = host.LoadText("sink", Guests.Sink);
        int handle = sender.Open("sink");
        byte[] payload = Payloads.Random(90_000, 4);

        Assert.That(sender.Send(handle, payload), Is.EqualTo((int)HoseStatus.Ok));
        payload.AsSpan(0, 10).Clear();
        sender.Write(GuestCalls.DataOffset, payload); // the guest reuses its buffer at once

        using HoseLease lease = await sink.Guest.Inbox.ReceiveAsync(Ct);
        Assert.Multiple(() =>
        {
            Assert.That(lease.Length, Is.EqualTo(payload.Length));
            Assert.That(Payloads.Diff(lease.Bytes(), Payloads.Random(90_000, 4)), Is.Empty, "the host copied the bytes before send returned");
        });
    }
}
