using System.Runtime.Versioning;
using Roadrunner.Hosting;
using Roadrunner.Tests.Support;
using Roadrunner.Wasm;

namespace Roadrunner.Tests.Wasm;

/// <summary>What a guest may and may not do with zero-copy windows: every bad call is a status and changes nothing.</summary>
[SupportedOSPlatform("linux")]
public class ZeroCopyWindowTests : FolderTest
{
    private const int BadPointer = (int)HoseStatus.BadPointer;
    private const int BadHandle = (int)HoseStatus.BadHandle;
    private const uint Mapped = 1024 * 1024; // above the crossover

    [Test]
    public async Task AClaimMustBeAlignedInsideTheMemoryAndOverlapNoOtherWindow()
    {
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions: true));
        host.CreateInbox("sink");
        var guest = new ZeroCopyGuest(host.LoadText("g", ZeroCopyGuest.Wat));
        int handle = guest.Open("sink");
        uint window = guest.NewWindow(2 * Mapped);
        uint size = (uint)guest.MemoryLength;

        Assert.Multiple(() =>
        {
            Assert.That(guest.Claim(handle, window + 4096, 100), Is.EqualTo(BadPointer), "not 64 KiB-aligned");
            Assert.That(guest.Claim(handle, size, 1), Is.EqualTo(BadPointer), "past the current size");
            Assert.That(guest.Claim(handle, 0x7FFF_0000, 1), Is.EqualTo(BadPointer), "inside the reservation, past the size");
            Assert.That(guest.Claim(handle, 0xFFFF_0000, Mapped), Is.EqualTo(BadPointer), "over the guard pages");
            Assert.That(guest.Claim(handle, window, size - window + 1), Is.EqualTo(BadPointer), "its last page is past the size");
            Assert.That(guest.Claim(handle, window, uint.MaxValue), Is.EqualTo(BadPointer), "a length read as unsigned");
            Assert.That(guest.Claim(99, window + 4096, 100), Is.EqualTo(BadPointer), "the window is checked before the handle");
            Assert.That(guest.Claim(99, window, 100), Is.EqualTo(BadHandle));
        });

        Assert.That(guest.Claim(handle, window, Mapped + 1), Is.Zero, "spans 1 MiB + 64 KiB");
        Assert.Multiple(() =>
        {
            Assert.That(guest.Claim(handle, window, 1), Is.EqualTo(BadPointer), "the same window twice");
            Assert.That(guest.Claim(handle, window + Mapped, 1), Is.EqualTo(BadPointer), "overlaps its last 64 KiB");
            Assert.That(guest.Claim(handle, window + Mapped + ZeroCopyGuest.Page, 1), Is.Zero, "right after it");
        });
        Assert.That(host.Pool.LeasedBytes, Is.EqualTo(host.Pool.FootprintOf(Mapped + 1)), "only the mapped claim holds regions");
    }

    [Test]
    public async Task AWindowIsCommittedOrAbortedOnceOnlyByItsOwnerWithItsHandle()
    {
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions: false));
        IDataHose sink = host.CreateInbox("sink");
        host.CreateInbox("other");
        var guest = new ZeroCopyGuest(host.LoadText("g", ZeroCopyGuest.Wat));
        var stranger = new ZeroCopyGuest(host.LoadText("stranger", ZeroCopyGuest.Wat));
        int handle = guest.Open("sink");
        int otherHandle = guest.Open("other");
        int strangerHandle = stranger.Open("sink");
        uint window = guest.NewWindow(Mapped);
        stranger.NewWindow(Mapped + window); // the same addresses exist in the stranger's memory

        Assert.That(guest.Commit(handle, window, 10), Is.EqualTo(BadPointer), "never claimed");
        Assert.That(guest.Claim(handle, window, Mapped), Is.Zero);
        Assert.Multiple(() =>
        {
            Assert.That(stranger.Commit(strangerHandle, window, 10), Is.EqualTo(BadPointer), "another guest's window");
            Assert.That(stranger.Abort(strangerHandle, window), Is.EqualTo(BadPointer));
            Assert.That(guest.Commit(handle, window, Mapped + 1), Is.EqualTo(BadPointer), "longer than claimed");
            Assert.That(guest.Commit(handle, window + ZeroCopyGuest.Page, 10), Is.EqualTo(BadPointer), "not the window's start");
            Assert.That(guest.Commit(otherHandle, window, 10), Is.EqualTo(BadHandle), "another handle");
            Assert.That(guest.Abort(otherHandle, window), Is.EqualTo(BadHandle));
        });
        Assert.That(sink.TryPeekLength(out _), Is.False, "none of that sent anything");

        Assert.That(guest.Commit(handle, window, 10), Is.Zero);
        Assert.Multiple(() =>
        {
            Assert.That(guest.Commit(handle, window, 10), Is.EqualTo(BadPointer), "twice");
            Assert.That(guest.Abort(handle, window), Is.EqualTo(BadPointer), "abort after commit");
        });

        Assert.That(guest.Claim(handle, window, Mapped), Is.Zero, "the window can be claimed again");
        Assert.That(guest.Abort(handle, window), Is.Zero);
        Assert.Multiple(() =>
        {
            Assert.That(guest.Commit(handle, window, 10), Is.EqualTo(BadPointer), "commit after abort");
            Assert.That(guest.Abort(handle, window), Is.EqualTo(BadPointer), "abort twice");
        });

        using HoseLease lease = await sink.ReceiveAsync(Ct);
        Assert.That(lease.Length, Is.EqualTo(10), "exactly one payload went out");
        Assert.That(sink.TryPeekLength(out _), Is.False);
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task AWindowStaysValidWhenTheMemoryGrows(bool regions)
    {
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions));
        var sender = new ZeroCopyGuest(host.LoadText("sender", ZeroCopyGuest.Wat));
        var receiver = new ZeroCopyGuest(host.LoadText("receiver", ZeroCopyGuest.Wat));
        receiver.SetWindow(receiver.NewWindow(Mapped));
        int handle = sender.Open("receiver");
        uint window = sender.NewWindow(Mapped);
        byte[] payload = Payloads.Random((int)Mapped, seed: 11);

        Assert.That(sender.Claim(handle, window, Mapped), Is.Zero);
        sender.Write(window, payload.AsSpan(0, 1000));
        Assert.That(sender.Grow(20), Is.GreaterThan(0), "memory.grow next to a claimed window");
        sender.Write(window + 1000, payload.AsSpan(1000));
        Assert.That(sender.Commit(handle, window, Mapped), Is.Zero);
        Assert.That(receiver.Get("sum"), Is.EqualTo(ZeroCopyGuest.Checksum(payload)), "bytes written before and after the grow arrived");
    }

    [Test]
    public async Task AWindowAbove2GiBNeverReadsAsANegativeStatus()
    {
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions: false));
        host.CreateInbox("sink");
        var guest = new ZeroCopyGuest(host.LoadText("g", ZeroCopyGuest.Wat));
        int handle = guest.Open("sink");
        uint window = guest.NewWindow(1);
        Assert.That(guest.Grow((int)((0x8001_0000L - guest.MemoryLength) / ZeroCopyGuest.Page) + 1), Is.GreaterThan(0), "memory past 2 GiB");
        uint high = 0x8000_0000;

        Assert.That(guest.Claim(handle, high, 100), Is.Zero, "a window at 2 GiB");
        guest.Write(high, [1, 2, 3]);
        Assert.That(guest.Commit(handle, high, 3), Is.Zero);
        Assert.That(guest.Claim(handle, window, 0x8000_0001), Is.EqualTo((int)HoseStatus.BadPointer), "a length above 2 GiB past the memory is a bad pointer, not a negative length");
    }

    [Test]
    public async Task AGuestHoldsAtMost64ClaimedWindows()
    {
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions: false));
        host.CreateInbox("sink");
        var guest = new ZeroCopyGuest(host.LoadText("g", ZeroCopyGuest.Wat));
        int handle = guest.Open("sink");
        uint first = guest.NewWindow(65L * ZeroCopyGuest.Page);
        for (uint i = 0; i < 64; i++)
        {
            Assert.That(guest.Claim(handle, first + (i * ZeroCopyGuest.Page), 1), Is.Zero);
        }

        Assert.That(guest.Claim(handle, first + (64 * ZeroCopyGuest.Page), 1), Is.EqualTo((int)HoseStatus.TooManyHandles));
        Assert.That(guest.Abort(handle, first), Is.Zero);
        Assert.That(guest.Claim(handle, first + (64 * ZeroCopyGuest.Page), 1), Is.Zero, "room again after an abort");
    }

    [Test]
    public async Task BytesInAMappedWindowAreNotReadFromTheMemoryFile()
    {
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions: true));
        host.CreateInbox("sink");
        var guest = new ZeroCopyGuest(host.LoadText("g", ZeroCopyGuest.Wat));
        int handle = guest.Open("sink");
        uint window = guest.NewWindow(Mapped);
        bool Found() => guest.Function.Run(i => GuestMemoryFile.TryFind(i.GetMemory("memory")!.GetSpan(window, 100), out _, out _));

        Assert.That(Found(), Is.True);
        Assert.That(guest.Claim(handle, window, Mapped), Is.Zero);
        Assert.That(Found(), Is.False, "a peer reading the file would see the old bytes there");
        Assert.That(guest.Abort(handle, window), Is.Zero);
        Assert.That(Found(), Is.True);
    }
}
