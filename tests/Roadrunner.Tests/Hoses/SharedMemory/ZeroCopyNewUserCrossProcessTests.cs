using System.Globalization;
using Roadrunner.Hosting;
using Roadrunner.Tests.Support;
using Roadrunner.Workloads;

namespace Roadrunner.Tests.Hoses.SharedMemory;

/// <summary>The new user's C guests (Wasm/Guests/newuser.c) across processes: windows committed to a child.</summary>
[CancelAfter(120_000)]
public class ZeroCopyNewUserCrossProcessTests : SharedMemoryTest
{
    private const int Length = 3 * 1024 * 1024;

    [Test]
    public async Task AWindowCommittedToAPullReceiverInAnotherProcessIsQueuedAndPulledIntoAWindow()
    {
        CancellationToken token = TestContext.CurrentContext.CancellationToken;
        await using var host = new FunctionHost(new FunctionHostOptions { Regions = { FolderPath = Path.Combine(Folder, "local") }, GuestMemoryInFiles = true }, loggerFactory: Logs);
        await using var endpoint = host.StartSharedMemoryEndpoint(ShmSupport.Options(Folder));
        await using PeerProcess peer = await ShmSupport.StartPeerAsync(Folder, token, "--guest", "puller=" + NewUserGuest.PathOf(pull: true), "--memory-files", (256 * 1024).ToString(CultureInfo.InvariantCulture));
        var sender = NewUserGuest.Load(host, "sender");
        int handle = sender.Open("puller");

        Assert.That(sender.Produce(handle, Length, 21), Is.Zero, "queued in the child");
        Assert.That(sender.Produce(handle, 1000, 22), Is.Zero, "a small one behind it");
        Assert.That(await peer.RequestAsync($"call puller pull {Length}", token), Is.EqualTo(Length.ToString(CultureInfo.InvariantCulture)));
        Assert.That(await peer.RequestAsync("call puller last_sum", token), Is.EqualTo(NewUserGuest.Checksum(Length, 21).ToString(CultureInfo.InvariantCulture)));
        Assert.That(await peer.RequestAsync("call puller pull 1000", token), Is.EqualTo("1000"));
        Assert.That(await peer.RequestAsync("call puller last_sum", token), Is.EqualTo(NewUserGuest.Checksum(1000, 22).ToString(CultureInfo.InvariantCulture)));
        Assert.That(await peer.RequestAsync("call puller pull 1000", token), Is.EqualTo(((int)HoseStatus.WouldBlock).ToString(CultureInfo.InvariantCulture)));
        Assert.That(Logs.Problems, Is.Empty, Logs.ToString());
    }

    [Test]
    public async Task AWindowCommittedToAPushReceiverInAnotherProcessIsMappedThere()
    {
        CancellationToken token = TestContext.CurrentContext.CancellationToken;
        await using var host = new FunctionHost(new FunctionHostOptions { Regions = { FolderPath = Path.Combine(Folder, "local") }, GuestMemoryInFiles = true }, loggerFactory: Logs);
        await using var endpoint = host.StartSharedMemoryEndpoint(ShmSupport.Options(Folder));
        await using PeerProcess peer = await ShmSupport.StartPeerAsync(Folder, token, "--guest", "receiver=" + NewUserGuest.PathOf(pull: false), "--memory-files", (256 * 1024).ToString(CultureInfo.InvariantCulture));
        var sender = NewUserGuest.Load(host, "sender");
        int handle = sender.Open("receiver");

        Assert.That(sender.Produce(handle, Length, 23), Is.Zero);
        Assert.That(ShmSupport.Eventually(() => peer.RequestAsync("call receiver count", token).GetAwaiter().GetResult() != "0"), "pushed");
        string window = await peer.RequestAsync("call receiver rx_window", token);
        string sum = await peer.RequestAsync("call receiver last_sum", token);
        string pointer = await peer.RequestAsync("call receiver last_ptr", token);
        Assert.Multiple(() =>
        {
            Assert.That(sum, Is.EqualTo(NewUserGuest.Checksum(Length, 23).ToString(CultureInfo.InvariantCulture)));
            Assert.That(pointer, Is.EqualTo(window), "mapped into its window");
        });
        Assert.That(Logs.Problems, Is.Empty, Logs.ToString());
    }
}
