using Roadrunner.Hosting;
using Roadrunner.Hoses;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Hosting;

/// <summary>Disposing a host stops its functions safely and removes every region file.</summary>
public class HostDisposalTests : FolderTest
{
    [Test]
    public async Task DisposeAsyncDeletesThePoolsFiles()
    {
        FunctionHost host = CreateHost();
        var sender = new GuestCalls(host.LoadText("sender", Guests.Caller));
        host.LoadText("puller", Guests.Caller);
        int handle = sender.Open("puller");
        for (int i = 0; i < 3; i++)
        {
            Assert.That(sender.Send(handle, GuestCalls.DataOffset, 70_000 + i), Is.Zero);
        }

        Assert.That(RegionFiles(), Is.Not.Empty, "queued payloads live in region files");

        await host.DisposeAsync();

        Assert.Multiple(() =>
        {
            Assert.That(Directory.GetFiles(Folder, "rr-*"), Is.Empty, "region and lock files are gone");
            Assert.That(host.Pool.LeasedBytes, Is.Zero, "queued payloads were dropped");
        });
    }

    [Test]
    public async Task DisposeWaitsForACallInProgressBeforeFreeingTheStore()
    {
        FunctionHost host = CreateHost();
        WasmFunction function = host.LoadText("busy", Guests.PushReceiver);
        Task disposing;
        await using (await GateHolder.HoldAsync(function, WaitLimit))
        {
            disposing = host.DisposeAsync().AsTask();
            Assert.That(disposing.IsCompleted, Is.False, "the store must outlive the call that is using it");
        }

        await Within(disposing);
        Assert.That(() => function.Run(i => i.GetFunction<int>("count")!()), Throws.TypeOf<ObjectDisposedException>());
    }

    [Test]
    public async Task SendsToADisposedFunctionAreClosed()
    {
        await using FunctionHost host = CreateHost();
        WasmFunction receiver = host.LoadText("receiver", Guests.PushReceiver);
        WasmFunction puller = host.LoadText("puller", Guests.Caller);

        await receiver.DisposeAsync();
        await puller.DisposeAsync();

        Assert.Multiple(() =>
        {
            Assert.That(receiver.Guest.Inbox.TrySend(new byte[10]), Is.EqualTo(HoseStatus.Closed));
            Assert.That(puller.Guest.Inbox.TrySend(new byte[10]), Is.EqualTo(HoseStatus.Closed));
        });
    }

    [Test]
    public async Task LeaseHeldPastDisposeStaysReadableAndItsFileGoesWhenReleased()
    {
        FunctionHost host = CreateHost();
        WasmFunction sink = host.LoadText("sink", Guests.Sink);
        byte[] payload = Payloads.Random(5000, 1);
        await sink.Guest.Inbox.SendAsync(payload, Ct);
        HoseLease lease = await sink.Guest.Inbox.ReceiveAsync(Ct);

        await host.DisposeAsync();

        Assert.That(Payloads.Diff(lease.Bytes(), payload), Is.Empty);
        lease.Dispose();
        Assert.That(Directory.GetFiles(Folder, "rr-*"), Is.Empty);
    }

    [Test]
    public async Task GuestWaitingToSendToADisposedFunctionIsToldClosedAtOnce()
    {
        await using FunctionHost host = CreateHost(o =>
        {
            o.Guest.Inbox = new HoseOptions { MaxQueuedPayloads = 1 };
            o.Guest.SendTimeout = TimeSpan.FromSeconds(30);
        });
        var sender = new GuestCalls(host.LoadText("sender", Guests.Caller));
        WasmFunction target = host.LoadText("target", Guests.Caller);
        int handle = sender.Open("target");
        Assert.That(sender.Send(handle, GuestCalls.DataOffset, 1), Is.Zero);
        var sending = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<int> blocked = Task.Run(() => sender.Function.Run(i =>
        {
            sending.SetResult();
            return i.GetFunction<int, int, int, int>("send")!(handle, GuestCalls.DataOffset, 2);
        }));
        await Within(sending.Task);

        await target.DisposeAsync();

        Assert.That(await Within(blocked), Is.EqualTo((int)HoseStatus.Closed), "not TimedOut 30 s later");
        Assert.That(host.Pool.LeasedBytes, Is.Zero);
    }
}
