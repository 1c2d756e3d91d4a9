using Roadrunner.Hosting;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Wasm;

/// <summary>Every (pointer, length) a guest passes is checked against its memory before a byte moves.</summary>
public class PointerValidationTests : FolderTest
{
    private const int MemorySize = 2 * 65536; // Guests.Caller has two pages
    private const int BadPointer = (int)HoseStatus.BadPointer;

    /// <summary>(pointer, length) pairs that lie outside a 128 KiB memory, as the guest passes them (i32).</summary>
    private static IEnumerable<TestCaseData> BadRanges()
    {
        yield return new TestCaseData(GuestCalls.DataOffset, -1).SetName("{m}(NegativeLength)");
        yield return new TestCaseData(GuestCalls.DataOffset, int.MinValue).SetName("{m}(MostNegativeLength)");
        yield return new TestCaseData(MemorySize + 1, 0).SetName("{m}(PointerPastTheEnd)");
        yield return new TestCaseData(MemorySize * 4, 16).SetName("{m}(PointerFarPastTheEnd)");
        yield return new TestCaseData(-1, 2).SetName("{m}(PointerFFFFFFFFWrapsPast4GiB)");
        yield return new TestCaseData(-16, 32).SetName("{m}(RangeWrapsAround)");
        yield return new TestCaseData(int.MinValue, 1).SetName("{m}(PointerAbove2GiB)");
        yield return new TestCaseData(MemorySize - 100, 101).SetName("{m}(LengthOneBytePastTheEnd)");
        yield return new TestCaseData(0, MemorySize + 1).SetName("{m}(WholeMemoryPlusOne)");
        yield return new TestCaseData(1, int.MaxValue).SetName("{m}(HugeLength)");
    }

    private static IEnumerable<TestCaseData> GoodRanges()
    {
        yield return new TestCaseData(MemorySize - 100, 100).SetName("{m}(EndingExactlyAtTheEnd)");
        yield return new TestCaseData(MemorySize, 0).SetName("{m}(EmptyAtTheEnd)");
        yield return new TestCaseData(0, MemorySize).SetName("{m}(WholeMemory)");
        yield return new TestCaseData(0, 0).SetName("{m}(EmptyAtZero)");
    }

    [TestCaseSource(nameof(BadRanges))]
    public async Task SendRefusesABadRange(int pointer, int length)
    {
        await using FunctionHost host = CreateHost();
        var sender = new GuestCalls(host.LoadText("sender", Guests.Caller));
        var puller = new GuestCalls(host.LoadText("puller", Guests.Caller));
        int handle = sender.Open("puller");

        Assert.Multiple(() =>
        {
            Assert.That(sender.Send(handle, pointer, length), Is.EqualTo(BadPointer));
            Assert.That(sender.TrySend(handle, pointer, length), Is.EqualTo(BadPointer));
            Assert.That(puller.NextLength(), Is.EqualTo((int)HoseStatus.WouldBlock), "nothing was delivered");
        });
        Assert.That(sender.Send(handle, GuestCalls.DataOffset, 10), Is.Zero, "the sender keeps working");
    }

    [TestCaseSource(nameof(GoodRanges))]
    public async Task SendAcceptsARangeInsideMemory(int pointer, int length)
    {
        await using FunctionHost host = CreateHost();
        var sender = new GuestCalls(host.LoadText("sender", Guests.Caller));
        var puller = new GuestCalls(host.LoadText("puller", Guests.Caller));
        int handle = sender.Open("puller");
        byte[] memory = Payloads.Random(MemorySize, 1);
        sender.Write(0, memory);

        Assert.That(sender.Send(handle, pointer, length), Is.Zero);
        Assert.That(puller.NextLength(), Is.EqualTo(length));
        using HoseLease lease = await puller.Function.Guest.Inbox.ReceiveAsync(Ct);
        Assert.That(Payloads.Diff(lease.Bytes(), memory.AsSpan(pointer, length)), Is.Empty);
    }

    [TestCaseSource(nameof(BadRanges))]
    public async Task OpenRefusesABadNameRange(int pointer, int length)
    {
        await using FunctionHost host = CreateHost();
        var guest = new GuestCalls(host.LoadText("guest", Guests.Caller));

        Assert.That(guest.Open(pointer, length), Is.EqualTo(BadPointer));
        Assert.That(guest.Open("guest"), Is.GreaterThan(0));
    }

    [Test]
    public async Task OpenAcceptsANameEndingExactlyAtTheEndOfMemory()
    {
        await using FunctionHost host = CreateHost();
        var guest = new GuestCalls(host.LoadText("guest", Guests.Caller));
        guest.Write(MemorySize - 5, "guest"u8.ToArray());

        Assert.Multiple(() =>
        {
            Assert.That(guest.Open(MemorySize - 5, 5), Is.GreaterThan(0));
            Assert.That(guest.Open(MemorySize - 4, 5), Is.EqualTo(BadPointer));
        });
    }

    [TestCaseSource(nameof(BadRanges))]
    public async Task ReceiveIntoABadBufferIsRefusedEvenWhenNothingIsQueued(int pointer, int capacity)
    {
        await using FunctionHost host = CreateHost();
        var puller = new GuestCalls(host.LoadText("puller", Guests.Caller));

        Assert.Multiple(() =>
        {
            Assert.That(puller.Receive(pointer, capacity), Is.EqualTo(BadPointer));
            Assert.That(puller.ReceiveWait(pointer, capacity, 1000), Is.EqualTo(BadPointer), "checked before waiting");
        });
    }

    [TestCaseSource(nameof(BadRanges))]
    public async Task ReceiveIntoABadBufferLosesNothing(int pointer, int capacity)
    {
        await using FunctionHost host = CreateHost();
        var puller = new GuestCalls(host.LoadText("puller", Guests.Caller));
        byte[] payload = Payloads.Random(500, 2);
        await puller.Function.Guest.Inbox.SendAsync(payload, Ct);

        Assert.Multiple(() =>
        {
            Assert.That(puller.Receive(pointer, capacity), Is.EqualTo(BadPointer));
            Assert.That(puller.ReceiveWait(pointer, capacity, 0), Is.EqualTo(BadPointer));
            Assert.That(puller.NextLength(), Is.EqualTo(500), "the payload is still queued");
        });
        Assert.That(puller.Receive(GuestCalls.DataOffset, 500), Is.EqualTo(500));
        Assert.That(Payloads.Diff(puller.Read(GuestCalls.DataOffset, 500), payload), Is.Empty);
    }

    [Test]
    public async Task ReceiveIntoTheLastBytesOfMemoryWorks()
    {
        await using FunctionHost host = CreateHost();
        var puller = new GuestCalls(host.LoadText("puller", Guests.Caller));
        byte[] payload = Payloads.Random(64, 3);
        await puller.Function.Guest.Inbox.SendAsync(payload, Ct);

        Assert.That(puller.Receive(MemorySize - 64, 64), Is.EqualTo(64));
        Assert.That(puller.Read(MemorySize - 64, 64), Is.EqualTo(payload));
    }

    [Test]
    public async Task GuestWhoseMemoryGrewSendsFromTheNewPages()
    {
        await using FunctionHost host = CreateHost();
        var sender = new GuestCalls(host.LoadText("sender", Guests.Caller));
        WasmFunction sink = host.LoadText("sink", Guests.Sink);
        int handle = sender.Open("sink");
        Assert.That(sender.Send(handle, MemorySize, 1000), Is.EqualTo(BadPointer), "not yet grown");

        Assert.That(sender.Grow(2), Is.EqualTo(2));
        byte[] payload = Payloads.Random(100_000, 8);
        sender.Write(MemorySize + 20_000, payload);

        Assert.Multiple(() =>
        {
            Assert.That(sender.MemoryLength, Is.EqualTo(4 * 65536));
            Assert.That(sender.Send(handle, MemorySize + 20_000, payload.Length), Is.Zero);
            Assert.That(sender.Send(handle, (4 * 65536) - 1, 2), Is.EqualTo(BadPointer), "the new end is checked too");
        });
        Assert.That(Payloads.Diff(await ReceiveBytesAsync(sink.Guest.Inbox), payload), Is.Empty);
    }

    [Test]
    public async Task GuestWhoseMemoryGrewReceivesIntoTheNewPages()
    {
        await using FunctionHost host = CreateHost();
        var puller = new GuestCalls(host.LoadText("puller", Guests.Caller));
        byte[] payload = Payloads.Random(70_000, 6);
        await puller.Function.Guest.Inbox.SendAsync(payload, Ct);
        Assert.That(puller.Receive(MemorySize, payload.Length), Is.EqualTo(BadPointer));

        Assert.That(puller.Grow(2), Is.EqualTo(2));

        Assert.That(puller.Receive(MemorySize, payload.Length), Is.EqualTo(payload.Length));
        Assert.That(Payloads.Diff(puller.Read(MemorySize, payload.Length), payload), Is.Empty);
    }
}
