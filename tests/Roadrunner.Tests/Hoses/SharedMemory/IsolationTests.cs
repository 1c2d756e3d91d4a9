using System.Buffers;
using Roadrunner.Hoses;
using Roadrunner.Hosting;
using Roadrunner.Hoses.SharedMemory;
using Roadrunner.Regions;

namespace Roadrunner.Tests.Hoses.SharedMemory;

/// <summary>Hostile or broken peers: bad descriptors, symlinks and files of other users are refused, never followed.</summary>
[CancelAfter(60_000)]
public class IsolationTests : SharedMemoryTest
{
    private const int Region = 64 * 1024;

    [Test]
    public async Task AWellFormedDescriptorIsDeliveredInPlace()
    {
        await using FunctionHost host = NewHost();
        await using SharedMemoryEndpoint endpoint = host.StartSharedMemoryEndpoint(ShmSupport.Options(Folder));
        IDataHose sink = endpoint.CreateInbox("sink");
        using var hostile = new HostileSender(Folder, endpoint.Tag, "sink");
        hostile.AddRegion(1, Region, 0x5a);
        hostile.Post(new Descriptor(0, 1, Region, 0, 1000, 0, 1000), head: 1);
        using HoseLease lease = await ShmSupport.ReceiveAsync(sink, TestContext.CurrentContext.CancellationToken);
        Assert.That(lease.Length, Is.EqualTo(1000));
        Assert.That(lease.Payload.ToArray(), Is.All.EqualTo(0x5a));
        Assert.That(Logs.Problems, Is.Empty, Logs.ToString());
    }

    [Test]
    public async Task AWellFormedInlineDescriptorIsDeliveredFromItsSlot()
    {
        await using FunctionHost host = NewHost();
        await using SharedMemoryEndpoint endpoint = host.StartSharedMemoryEndpoint(ShmSupport.Options(Folder));
        IDataHose sink = endpoint.CreateInbox("sink");
        using var hostile = new HostileSender(Folder, endpoint.Tag, "sink");
        byte[] payload = ShmSupport.Pattern(RingLayout.MaxInlineBytes, 77);
        hostile.WriteInline(0, payload);
        hostile.Post(new Descriptor(0, 0, 0, 0, payload.Length, RingLayout.Inline, payload.Length), head: 1);
        using HoseLease lease = await ShmSupport.ReceiveAsync(sink, TestContext.CurrentContext.CancellationToken);
        Assert.That(lease.Payload.ToArray(), Is.EqualTo(payload));
        Assert.That(ShmSupport.Eventually(() => hostile.Mark(0) == 1), "the slot was released once the bytes were out");
        Assert.That(Logs.Problems, Is.Empty, Logs.ToString());
    }

    [Test]
    public async Task ASenderChurningThroughThousandsOfRegionsKeepsTheReceiverBounded()
    {
        const int Count = 4200; // more than the receiver may keep mapped at once
        await using FunctionHost host = NewHost();
        await using SharedMemoryEndpoint endpoint = host.StartSharedMemoryEndpoint(ShmSupport.Options(Folder));
        IDataHose sink = endpoint.CreateInbox("sink");
        using var hostile = new HostileSender(Folder, endpoint.Tag, "sink", slots: 8192);
        for (int i = 0; i < Count; i++)
        {
            hostile.AddRegion(i + 1, 4096, (byte)i);
            hostile.Write(new Descriptor(i, i + 1, 4096, 0, 100, 0, 100));
        }

        hostile.Post(new Descriptor(0, 1, 4096, 0, 100, 0, 100), head: Count);
        for (int i = 0; i < Count; i++)
        {
            using HoseLease lease = await ShmSupport.ReceiveAsync(sink, TestContext.CurrentContext.CancellationToken);
            Assert.That(lease.Payload.FirstSpan[0], Is.EqualTo((byte)i), $"payload {i} from its own region");
        }

        Assert.That(Logs.Problems, Is.Empty, "unused mappings were dropped instead of hitting the cap");
    }

    private static IEnumerable<TestCaseData> BadDescriptors()
    {
        yield return new TestCaseData(new long[] { 5, 1, Region, 0, 100, 0, 100 }, 1).SetName("wrong sequence");
        yield return new TestCaseData(new long[] { 0, 1, Region, 0, Region + 1, 0, Region + 1 }, 1).SetName("length past the region");
        yield return new TestCaseData(new long[] { 0, 1, Region, Region - 10, 100, 0, 100 }, 1).SetName("offset plus length past the region");
        yield return new TestCaseData(new long[] { 0, 1, Region, -4096, 100, 0, 100 }, 1).SetName("negative offset");
        yield return new TestCaseData(new long[] { 0, 1, Region, 0, -1, 0, 100 }, 1).SetName("negative length");
        yield return new TestCaseData(new long[] { 0, 1, 2 * Region, 0, 100, 0, 100 }, 1).SetName("region size other than the file");
        yield return new TestCaseData(new long[] { 0, 1, Region, 0, 100, 0x40, 100 }, 1).SetName("unknown flags");
        yield return new TestCaseData(new long[] { 0, 99, Region, 0, 100, 0, 100 }, 1).SetName("region that does not exist");
        yield return new TestCaseData(new long[] { 0, 1, Region, 0, 100, 0, 50 }, 1).SetName("payload shorter than its chunk");
        yield return new TestCaseData(new long[] { 0, 1, Region, 0, 100, 0, 100 }, 1000).SetName("head more than a ring ahead");
        yield return new TestCaseData(new long[] { 0, 1, Region, 0, 100, RingLayout.MoreChunks, 100 }, 1).SetName("more chunks after the whole payload");
        yield return new TestCaseData(new long[] { 0, 0, 0, 0, RingLayout.MaxInlineBytes + 1, RingLayout.Inline, RingLayout.MaxInlineBytes + 1 }, 1).SetName("inline payload longer than a slot holds");
        yield return new TestCaseData(new long[] { 0, 1, 0, 0, 10, RingLayout.Inline, 10 }, 1).SetName("inline payload naming a region");
        yield return new TestCaseData(new long[] { 0, 0, 0, 0, 10, RingLayout.Inline | RingLayout.MoreChunks, 10 }, 1).SetName("inline chunk");
    }

    [TestCaseSource(nameof(BadDescriptors))]
    public async Task ABadDescriptorFailsTheHoseAndDeliversNothing(long[] f, int head)
    {
        var descriptor = new Descriptor(f[0], f[1], (int)f[2], (int)f[3], (int)f[4], (int)f[5], f[6]);
        await using FunctionHost host = NewHost();
        await using SharedMemoryEndpoint endpoint = host.StartSharedMemoryEndpoint(ShmSupport.Options(Folder));
        IDataHose sink = endpoint.CreateInbox("sink");
        using var hostile = new HostileSender(Folder, endpoint.Tag, "sink");
        hostile.AddRegion(1, Region, 0x11);
        hostile.Post(descriptor, head);
        Assert.That(ShmSupport.Eventually(() => hostile.ReceiverClosed), "the receiver closed the ring");
        Assert.That(hostile.Failure, Is.EqualTo((int)HoseStatus.PeerFailed));
        Assert.That(Logs.Of("SharedMemoryHoseFailed"), Is.Not.Empty, Logs.ToString());
        Assert.That(sink.TryReceive(out _), Is.False, "nothing delivered");
        Assert.That(ShmSupport.Eventually(() => endpoint.ActiveReceivers == 0));
    }

    [Test]
    public async Task ARegionFileThatIsASymlinkIsRefused()
    {
        await using FunctionHost host = NewHost();
        await using SharedMemoryEndpoint endpoint = host.StartSharedMemoryEndpoint(ShmSupport.Options(Folder));
        IDataHose sink = endpoint.CreateInbox("sink");
        using var hostile = new HostileSender(Folder, endpoint.Tag, "sink");
        MappedRegion real = hostile.AddRegion(1, Region, 0x22);
        File.CreateSymbolicLink(RendezvousFolder.RegionPath(Folder, hostile.Tag, 2), real.Path);
        hostile.Post(new Descriptor(0, 2, Region, 0, 100, 0, 100), head: 1);
        Assert.That(ShmSupport.Eventually(() => hostile.ReceiverClosed));
        Assert.That(Logs.Of("SharedMemoryHoseFailed").Any(f => f.Message.Contains("symlink", StringComparison.OrdinalIgnoreCase)), Is.True, Logs.ToString());
        Assert.That(sink.TryReceive(out _), Is.False);
    }

    [Test]
    public async Task ARegionFileOfAnotherUserIsRefused()
    {
        Assume.That(ShmSupport.IsRoot, "needs root to give a file away");
        await using FunctionHost host = NewHost();
        await using SharedMemoryEndpoint endpoint = host.StartSharedMemoryEndpoint(ShmSupport.Options(Folder));
        IDataHose sink = endpoint.CreateInbox("sink");
        using var hostile = new HostileSender(Folder, endpoint.Tag, "sink");
        MappedRegion region = hostile.AddRegion(1, Region, 0x33);
        ShmSupport.ChangeOwner(region.Path, 65534);
        hostile.Post(new Descriptor(0, 1, Region, 0, 100, 0, 100), head: 1);
        Assert.That(ShmSupport.Eventually(() => hostile.ReceiverClosed));
        Assert.That(sink.TryReceive(out _), Is.False);
    }

    [Test]
    public async Task ARingFileThatIsASymlinkOrOfAnotherUserIsNeverAccepted()
    {
        await using FunctionHost host = NewHost();
        await using SharedMemoryEndpoint endpoint = host.StartSharedMemoryEndpoint(ShmSupport.Options(Folder));
        IDataHose sink = endpoint.CreateInbox("sink");
        string elsewhere = ShmSupport.NewFolder();
        Directory.CreateDirectory(elsewhere);
        try
        {
            using var decoy = new HostileSender(Folder, endpoint.Tag, "sink");
            Assert.That(ShmSupport.Eventually(() => endpoint.ActiveReceivers == 1), "a sound ring is accepted");
            string target = Path.Combine(elsewhere, "ring");
            File.Copy(RendezvousFolder.RingPath(Folder, endpoint.Tag, decoy.Tag, 1), target);
            string link = RendezvousFolder.RingPath(Folder, endpoint.Tag, decoy.Tag, 2);
            File.CreateSymbolicLink(link, target);
            if (ShmSupport.IsRoot)
            {
                string foreign = RendezvousFolder.RingPath(Folder, endpoint.Tag, decoy.Tag, 3);
                File.Copy(target, foreign);
                ShmSupport.ChangeOwner(foreign, 65534);
            }

            Assert.That(ShmSupport.Eventually(() => Logs.Of("SharedMemoryRingRefused").Count() == (ShmSupport.IsRoot ? 2 : 1)), Logs.ToString());
            Assert.That(endpoint.ActiveReceivers, Is.EqualTo(1));
        }
        finally
        {
            ShmSupport.Delete(elsewhere);
        }
    }

    [Test]
    public async Task AnAnnouncementThatIsASymlinkOrOfAnotherUserIsIgnored()
    {
        await using FunctionHost host = NewHost();
        await using SharedMemoryEndpoint server = host.StartSharedMemoryEndpoint(ShmSupport.Options(Folder));
        await using FunctionHost client = NewHost();
        await using SharedMemoryEndpoint resolver = client.StartSharedMemoryEndpoint(ShmSupport.Options(Folder));
        server.CreateInbox("real");
        Assert.That(resolver.TryResolve("real", out _), Is.True, "a sound announcement resolves");

        string fakeTag = $"{Environment.ProcessId}-00000000000000ff";
        string text = $"{RendezvousFolder.NamesHeader}\n{Environment.ProcessId}\n0\nghost\n";
        string outside = Path.Combine(Folder, "outside.txt");
        File.WriteAllText(outside, text);
        File.CreateSymbolicLink(RendezvousFolder.NamesPath(Folder, fakeTag), outside);
        Assert.That(resolver.TryResolve("ghost", out _), Is.False, "symlinked announcement ignored");
        if (ShmSupport.IsRoot)
        {
            File.Delete(RendezvousFolder.NamesPath(Folder, fakeTag));
            File.Copy(outside, RendezvousFolder.NamesPath(Folder, fakeTag));
            ShmSupport.ChangeOwner(RendezvousFolder.NamesPath(Folder, fakeTag), 65534);
            Assert.That(resolver.TryResolve("ghost", out _), Is.False, "another user's announcement ignored");
        }
    }

    [Test]
    public async Task ARendezvousFolderThatIsASymlinkOrOfAnotherUserIsRefused()
    {
        await using FunctionHost host = NewHost();
        string real = Folder + "-real";
        Directory.CreateDirectory(real);
        try
        {
            string link = Path.Combine(Folder, "link");
            File.CreateSymbolicLink(link, real);
            Assert.Throws<IOException>(() => host.StartSharedMemoryEndpoint(ShmSupport.Options(link)));
            Assert.Throws<IOException>(() => host.StartSharedMemoryEndpoint(ShmSupport.Options(Path.Combine(link, "below"))));
            if (ShmSupport.IsRoot)
            {
                string foreign = Path.Combine(Folder, "foreign");
                Directory.CreateDirectory(foreign);
                ShmSupport.ChangeOwner(foreign, 65534);
                Assert.Throws<IOException>(() => host.StartSharedMemoryEndpoint(ShmSupport.Options(foreign)));
            }
        }
        finally
        {
            ShmSupport.Delete(real);
        }
    }

    [Test]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task FilesAreOwnerOnlyAndTheFolderIsClosedToOthers()
    {
        await using FunctionHost host = NewHost();
        await using SharedMemoryEndpoint endpoint = host.StartSharedMemoryEndpoint(ShmSupport.Options(Folder));
        endpoint.CreateInbox("sink");
        using var hostile = new HostileSender(Folder, endpoint.Tag, "sink");
        Assert.That(File.GetUnixFileMode(Folder), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
        foreach (string file in Directory.EnumerateFiles(Folder))
        {
            Assert.That(File.GetUnixFileMode(file), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite), file);
        }
    }
}
