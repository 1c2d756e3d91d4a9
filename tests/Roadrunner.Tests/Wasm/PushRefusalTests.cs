using Roadrunner.Hosting;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Wasm;

/// <summary>rr_alloc may refuse a payload (0) or answer a pointer that is no good: the sender gets RR_PEER_FAILED.</summary>
public class PushRefusalTests : FolderTest
{
    private const int ReceiverMemory = 2 * 65536; // Guests.PushReceiver has two pages
    private const int PeerFailed = (int)HoseStatus.PeerFailed;

    [Test]
    public async Task AllocReturningZeroRefusesThePayload()
    {
        await using FunctionHost host = CreateHost();
        var sender = new GuestCalls(host.LoadText("sender", Guests.Caller));
        WasmFunction receiver = host.LoadText("receiver", Guests.PushReceiver);
        sender.Grow(1);
        int handle = sender.Open("receiver");

        Assert.Multiple(() =>
        {
            Assert.That(sender.Send(handle, GuestCalls.DataOffset, 65537), Is.EqualTo(PeerFailed), "the receiver's rr_alloc answers 0 above 64 KiB");
            Assert.That(PeerFailed, Is.EqualTo(-8));
            Assert.That(receiver.Run(i => i.GetFunction<int>("count")!()), Is.Zero);
            Assert.That(receiver.Guest.IsFaulted, Is.False, "a refusal is not a fault");
            Assert.That(sender.Send(handle, GuestCalls.DataOffset, 65536), Is.Zero, "the next payload that fits is taken");
            Assert.That(receiver.Run(i => i.GetFunction<int>("count")!()), Is.EqualTo(1));
        });
    }

    [TestCase(ReceiverMemory - 99, 100)]
    [TestCase(ReceiverMemory, 1)]
    [TestCase(-16, 100)]
    [TestCase(-1, 2)]
    [TestCase(int.MinValue, 10)]
    public async Task AllocReturningAnOutOfRangePointerIsRefusedAndMemoryIsUntouched(int pointer, int length)
    {
        await using FunctionHost host = CreateHost();
        var sender = new GuestCalls(host.LoadText("sender", Guests.Caller));
        var receiver = new GuestCalls(host.LoadText("receiver", Guests.PushReceiver));
        receiver.Function.Run(i =>
        {
            i.GetAction<int>("set_alloc_result")!(pointer);
            return 0;
        });
        byte[] before = receiver.Read(0, ReceiverMemory);
        int handle = sender.Open("receiver");
        sender.Write(GuestCalls.DataOffset, Payloads.Random(length, 1));

        int status = sender.Send(handle, GuestCalls.DataOffset, length);

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(PeerFailed));
            Assert.That(Payloads.Diff(receiver.Read(0, ReceiverMemory), before), Is.Empty, "not one byte written");
            Assert.That(receiver.Get("count"), Is.Zero, "the handler was not called");
            Assert.That(receiver.Function.Guest.IsFaulted, Is.False);
        });
    }

    [Test]
    public async Task AllocPointerAtTheExactEndIsFineForAnEmptyPayload()
    {
        await using FunctionHost host = CreateHost();
        var sender = new GuestCalls(host.LoadText("sender", Guests.Caller));
        var receiver = new GuestCalls(host.LoadText("receiver", Guests.PushReceiver));
        receiver.Function.Run(i =>
        {
            i.GetAction<int>("set_alloc_result")!(ReceiverMemory);
            return 0;
        });
        int handle = sender.Open("receiver");

        Assert.Multiple(() =>
        {
            Assert.That(sender.Send(handle, GuestCalls.DataOffset, 0), Is.Zero);
            Assert.That(receiver.Get("count"), Is.EqualTo(1));
            Assert.That(receiver.Get("last_length"), Is.Zero);
            Assert.That(sender.Send(handle, GuestCalls.DataOffset, 1), Is.EqualTo(PeerFailed), "one byte at the end is outside");
        });
    }

    [Test]
    public async Task DotNetSenderIsToldPeerFailedToo()
    {
        await using FunctionHost host = CreateHost();
        WasmFunction receiver = host.LoadText("receiver", Guests.PushReceiver);

        Assert.Multiple(() =>
        {
            Assert.That(receiver.Guest.Inbox.TrySend(new byte[65537]), Is.EqualTo(HoseStatus.PeerFailed));
            Assert.That(async () => await receiver.Guest.Inbox.SendAsync(new byte[65537], Ct), Throws.TypeOf<HoseException>().With.Property(nameof(HoseException.Status)).EqualTo(HoseStatus.PeerFailed));
            Assert.That(receiver.Guest.Inbox.TrySend(new byte[10]), Is.EqualTo(HoseStatus.Ok));
        });
    }
}
