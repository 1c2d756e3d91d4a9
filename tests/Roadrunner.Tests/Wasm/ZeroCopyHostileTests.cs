using System.Runtime.Versioning;
using Roadrunner.Hosting;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Wasm;

/// <summary>Hostile window calls a careless or malicious guest can make: each is a status, delivers nothing it should not, and leaks no budget.</summary>
[SupportedOSPlatform("linux")]
public class ZeroCopyHostileTests : FolderTest
{
    private const int BadPointer = (int)HoseStatus.BadPointer;
    private const int BadHandle = (int)HoseStatus.BadHandle;
    private const uint Length = 1024 * 1024; // above the tests' 256 KiB crossover

    [TestCase(false)]
    [TestCase(true)]
    public async Task AnEmptyClaimSpansOnePageAndIsCommittedAsAnEmptyPayload(bool regions)
    {
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions));
        IDataHose sink = host.CreateInbox("sink");
        var guest = new ZeroCopyGuest(host.LoadText("g", ZeroCopyGuest.Wat));
        int handle = guest.Open("sink");
        uint window = guest.NewWindow(Length);

        Assert.That(guest.Claim(handle, window, 0), Is.Zero);
        Assert.Multiple(() =>
        {
            Assert.That(guest.Claim(handle, window, 0), Is.EqualTo(BadPointer), "an empty window still spans its page: not twice");
            Assert.That(guest.Claim(handle, window, Length), Is.EqualTo(BadPointer), "nor under a larger one at the same start");
            Assert.That(guest.Claim(handle, (uint)guest.MemoryLength, 0), Is.EqualTo(BadPointer), "nor past the memory's end");
        });
        Assert.That(guest.Commit(handle, window, 0), Is.Zero);
        using HoseLease lease = await sink.ReceiveAsync(Ct);
        Assert.That(lease.Length, Is.Zero);
        Assert.That(host.Pool.LeasedBytes, Is.Zero);
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task ClosingTheHandleOfAClaimedWindowGivesTheWindowBack(bool regions)
    {
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions));
        IDataHose a = host.CreateInbox("a");
        IDataHose b = host.CreateInbox("b");
        var guest = new ZeroCopyGuest(host.LoadText("g", ZeroCopyGuest.Wat));
        int handle = guest.Open("a");
        uint window = guest.NewWindow(Length);
        Assert.That(guest.Claim(handle, window, Length), Is.Zero);
        Assert.That(guest.Close(handle), Is.Zero);
        Assert.That(host.Pool.LeasedBytes, Is.Zero, "closing the handle gave the window's regions back");
        int reused = guest.Open("b");
        Assert.That(reused, Is.EqualTo(handle), "the handle number is reused");

        Assert.That(guest.Commit(reused, window, 10), Is.EqualTo(BadPointer), "the window is no longer claimed");
        Assert.Multiple(() =>
        {
            Assert.That(a.TryPeekLength(out _), Is.False);
            Assert.That(b.TryPeekLength(out _), Is.False, "a window claimed for a never reaches b");
        });
        Assert.That(guest.Claim(reused, window, Length), Is.Zero, "the window is free to claim again");
        Assert.That(guest.Commit(reused, window, 10), Is.Zero);
        Assert.That(b.TryPeekLength(out long length) ? length : -1, Is.EqualTo(10));
        Assert.That(a.TryPeekLength(out _), Is.False);
    }
}
