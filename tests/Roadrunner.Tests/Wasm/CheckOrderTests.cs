using Roadrunner.Hosting;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Wasm;

/// <summary>
/// When several arguments of one call are bad, the documented check wins (docs/guest-abi.md, "Which check wins"):
/// the caller's memory range first, then the handle or name, then the state of the target or inbox.
/// </summary>
public class CheckOrderTests : FolderTest
{
    private const int OutOfRange = 1 << 30;

    [Test]
    public async Task SendChecksTheRangeBeforeTheHandle()
    {
        await using FunctionHost host = CreateHost();
        var sender = new GuestCalls(host.LoadText("sender", Guests.Caller));

        Assert.Multiple(() =>
        {
            Assert.That(sender.Send(999, OutOfRange, 10), Is.EqualTo((int)HoseStatus.BadPointer));
            Assert.That(sender.TrySend(999, 0, -1), Is.EqualTo((int)HoseStatus.BadPointer));
            Assert.That(sender.Send(999, 0, 10), Is.EqualTo((int)HoseStatus.BadHandle));
        });
    }

    [Test]
    public async Task SendChecksTheHandleBeforeTheTarget()
    {
        await using FunctionHost host = CreateHost();
        var sender = new GuestCalls(host.LoadText("sender", Guests.Caller));
        WasmFunction receiver = host.LoadText("receiver", Guests.PushReceiver);
        int handle = sender.Open("receiver");
        await receiver.DisposeAsync();

        Assert.Multiple(() =>
        {
            Assert.That(sender.Send(handle + 1, 0, 10), Is.EqualTo((int)HoseStatus.BadHandle));
            Assert.That(sender.Send(handle, 0, 10), Is.EqualTo((int)HoseStatus.Closed));
        });
    }

    [Test]
    public async Task OpenChecksTheRangeBeforeTheName()
    {
        await using FunctionHost host = CreateHost();
        var sender = new GuestCalls(host.LoadText("sender", Guests.Caller));

        Assert.Multiple(() =>
        {
            Assert.That(sender.Open(OutOfRange, 0), Is.EqualTo((int)HoseStatus.BadPointer), "an empty name at a bad pointer");
            Assert.That(sender.Open(OutOfRange, 300), Is.EqualTo((int)HoseStatus.BadPointer), "a too-long name at a bad pointer");
            Assert.That(sender.Open(0, 0), Is.EqualTo((int)HoseStatus.UnknownTarget));
            Assert.That(sender.Open(0, 300), Is.EqualTo((int)HoseStatus.UnknownTarget));
        });
    }

    [Test]
    public async Task ReceiveChecksTheBufferBeforeTheInbox()
    {
        await using FunctionHost host = CreateHost();
        var receiver = new GuestCalls(host.LoadText("receiver", Guests.Caller));

        Assert.Multiple(() =>
        {
            Assert.That(receiver.Receive(OutOfRange, 10), Is.EqualTo((int)HoseStatus.BadPointer), "empty inbox, bad buffer");
            Assert.That(receiver.ReceiveWait(OutOfRange, 10, 0), Is.EqualTo((int)HoseStatus.BadPointer));
            Assert.That(receiver.Receive(0, 10), Is.EqualTo((int)HoseStatus.WouldBlock));
        });

        Assert.That(host.Open("receiver").TrySend(new byte[20]), Is.EqualTo(HoseStatus.Ok));
        Assert.Multiple(() =>
        {
            Assert.That(receiver.Receive(OutOfRange, 10), Is.EqualTo((int)HoseStatus.BadPointer), "payload waiting, bad buffer");
            Assert.That(receiver.Receive(0, 10), Is.EqualTo((int)HoseStatus.BufferTooSmall), "the buffer is checked before its size against the payload");
            Assert.That(receiver.NextLength(), Is.EqualTo(20), "the payload stays queued");
        });
    }
}
