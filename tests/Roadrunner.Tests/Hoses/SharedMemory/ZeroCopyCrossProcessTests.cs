using System.Globalization;
using Roadrunner.Hosting;
using Roadrunner.Tests.Support;
using Roadrunner.Wasm;
using Roadrunner.Workloads;

namespace Roadrunner.Tests.Hoses.SharedMemory;

/// <summary>
/// A payload that crosses processes in the sender's regions is mapped into a child's push receiver that exports
/// <c>rr_alloc_window</c> (its memory in a file): the receiver reads the sender's region pages, no copy on its side.
/// </summary>
[CancelAfter(120_000)]
public class ZeroCopyCrossProcessTests : SharedMemoryTest
{
    [TestCase(100_000, false)]
    [TestCase(3 * 1024 * 1024, true)]
    public async Task APayloadInTheSendersRegionsIsMappedIntoTheReceivingGuest(int length, bool mapped)
    {
        CancellationToken token = TestContext.CurrentContext.CancellationToken;
        string wat = Path.Combine(Folder, "receiver.wat");
        Directory.CreateDirectory(Folder);
        await File.WriteAllTextAsync(wat, ZeroCopyGuest.Wat, token);
        await using FunctionHost host = NewHost();
        await using var endpoint = host.StartSharedMemoryEndpoint(ShmSupport.Options(Folder));
        await using PeerProcess peer = await ShmSupport.StartPeerAsync(Folder, token, "--guest", "receiver=" + wat, "--memory-files", (256 * 1024).ToString(CultureInfo.InvariantCulture));
        int pages = (length / ZeroCopyGuest.Page) + 1;
        long window = long.Parse(await peer.RequestAsync($"call receiver grow {pages}", token), CultureInfo.InvariantCulture) * ZeroCopyGuest.Page;
        Assert.That(await peer.RequestAsync($"call receiver set_window {window}", token), Is.EqualTo("0"));

        byte[] payload = Payloads.Random(length, seed: length);
        IHoseSender sender = host.Open("receiver");
        Assert.That(sender.Send(payload, TimeSpan.FromSeconds(15), token), Is.EqualTo(HoseStatus.Ok));

        // RR_OK means published in the child's ring; its receive thread pushes it right after.
        Assert.That(ShmSupport.Eventually(() => peer.RequestAsync("call receiver count", token).GetAwaiter().GetResult() != "0"), "pushed");
        string count = await peer.RequestAsync("call receiver count", token);
        string sum = await peer.RequestAsync("call receiver sum", token);
        string tail = await peer.RequestAsync("call receiver tail", token);
        string pointer = await peer.RequestAsync("call receiver ptr", token);
        Assert.Multiple(() =>
        {
            Assert.That(count, Is.EqualTo("1"));
            Assert.That(sum, Is.EqualTo(ZeroCopyGuest.Checksum(payload).ToString(CultureInfo.InvariantCulture)), "checksum");
            Assert.That(tail, Is.EqualTo("0"), "the last page past the payload reads zero");
            Assert.That(pointer == window.ToString(CultureInfo.InvariantCulture), Is.EqualTo(mapped), "handed the window, not an rr_alloc buffer");
        });
        Assert.That(Logs.Problems, Is.Empty, Logs.ToString());
    }

    [Test]
    public async Task AWindowCommittedToAnotherProcessIsMappedThereStraightFromTheSendersMemory()
    {
        const int Length = 3 * 1024 * 1024;
        CancellationToken token = TestContext.CurrentContext.CancellationToken;
        await using var host = new FunctionHost(new FunctionHostOptions { Regions = { FolderPath = Path.Combine(Folder, "local") }, GuestMemoryInFiles = true }, loggerFactory: Logs);
        await using var endpoint = host.StartSharedMemoryEndpoint(ShmSupport.Options(Folder));
        (PeerProcess peer, long window) = await StartWindowedReceiverAsync(Length, token);
        await using PeerProcess _ = peer;

        var sender = new ZeroCopyGuest(host.LoadText("sender", ZeroCopyGuest.Wat));
        int handle = sender.Open("receiver");
        uint claimed = sender.NewWindow(Length);
        byte[] payload = Payloads.Random(Length, seed: 42);
        Assert.That(sender.Claim(handle, claimed, Length), Is.Zero);
        sender.Write(claimed, payload);
        Assert.That(sender.Commit(handle, claimed, Length), Is.Zero, "borrowed: returns once the child took it");

        string count = await peer.RequestAsync("call receiver count", token);
        string sum = await peer.RequestAsync("call receiver sum", token);
        string pointer = await peer.RequestAsync("call receiver ptr", token);
        Assert.Multiple(() =>
        {
            Assert.That(count, Is.EqualTo("1"), "the child's handler ran before commit returned");
            Assert.That(sum, Is.EqualTo(ZeroCopyGuest.Checksum(payload).ToString(CultureInfo.InvariantCulture)), "checksum");
            Assert.That(pointer, Is.EqualTo(window.ToString(CultureInfo.InvariantCulture)), "mapped into the window");
        });
        Assert.That(endpoint.DirectReads, Is.EqualTo(1), "borrowed from the sender's memory file");
        Assert.That(Logs.Problems, Is.Empty, Logs.ToString());
    }

    [Test]
    public async Task ASenderThatGivesUpOnAReceiverStillReadingItsWindowKeepsItsNextWritesOutOfThatReceiversPages()
    {
        const int Length = 3 * 1024 * 1024;
        CancellationToken token = TestContext.CurrentContext.CancellationToken;
        await using var host = new FunctionHost(
            new FunctionHostOptions { Regions = { FolderPath = Path.Combine(Folder, "local") }, GuestMemoryInFiles = true, Guest = { SendTimeout = TimeSpan.FromSeconds(1) } },
            loggerFactory: Logs);
        await using var endpoint = host.StartSharedMemoryEndpoint(ShmSupport.Options(Folder));
        (PeerProcess peer, long window) = await StartWindowedReceiverAsync(Length, token);
        await using PeerProcess _ = peer;
        Assert.That(await peer.RequestAsync("call receiver set_mode 2", token), Is.EqualTo("0"), "the child's handler spins (past the sender's timeout)");

        var sender = new ZeroCopyGuest(host.LoadText("sender", ZeroCopyGuest.Wat));
        int handle = sender.Open("receiver");
        uint claimed = sender.NewWindow(Length);
        byte[] payload = Payloads.Random(Length, seed: 7);
        Assert.That(sender.Claim(handle, claimed, Length), Is.Zero);
        sender.Write(claimed, payload);
        Assert.That(sender.Commit(handle, claimed, Length), Is.EqualTo((int)HoseStatus.PeerFailed), "gave up on a receiver that took the payload: outcome unknown");

        // The guest runs on and reuses its window; the child's mapping reads the sender's memory file.
        byte[] next = Payloads.Random(Length, seed: 8);
        sender.Write(claimed, next);
        nint start = sender.Function.Instance.GetMemory("memory")!.GetPointer();
        Assert.That(GuestMemoryFile.TryFindStart(start, out GuestMemoryFile? file), Is.True);
        byte[] inFile = new byte[Length];
        using (var stream = new FileStream(file!.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        {
            stream.Position = claimed;
            stream.ReadExactly(inFile);
        }

        Assert.Multiple(() =>
        {
            Assert.That(inFile.AsSpan().SequenceEqual(payload), Is.True, "the receiver's pages still hold the payload committed");
            Assert.That(sender.ChecksumOf(claimed, Length), Is.EqualTo(ZeroCopyGuest.Checksum(next)), "the sender sees what it wrote next");
        });
    }

    /// <summary>A child process hosting ZeroCopyGuest as "receiver" (memories in files) with a window for <paramref name="length"/> bytes.</summary>
    private async Task<(PeerProcess Peer, long Window)> StartWindowedReceiverAsync(int length, CancellationToken token)
    {
        string wat = Path.Combine(Folder, "receiver.wat");
        Directory.CreateDirectory(Folder);
        await File.WriteAllTextAsync(wat, ZeroCopyGuest.Wat, token);
        PeerProcess peer = await ShmSupport.StartPeerAsync(Folder, token, "--guest", "receiver=" + wat, "--memory-files", (256 * 1024).ToString(CultureInfo.InvariantCulture));
        long window = long.Parse(await peer.RequestAsync($"call receiver grow {(length / ZeroCopyGuest.Page) + 1}", token), CultureInfo.InvariantCulture) * ZeroCopyGuest.Page;
        Assert.That(await peer.RequestAsync($"call receiver set_window {window}", token), Is.EqualTo("0"));
        return (peer, window);
    }
}
