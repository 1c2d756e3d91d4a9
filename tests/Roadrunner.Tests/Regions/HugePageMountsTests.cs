using System.Runtime.Versioning;
using Roadrunner.Regions;
using Roadrunner.Tests.Support;
using Roadrunner.Wasm;

namespace Roadrunner.Tests.Regions;

/// <summary>Which folders have huge pages (a mounts table read as the kernel writes it), and what a guest memory does there.</summary>
public class HugePageMountsTests : FolderTest
{
    private static readonly string[] Mounts =
    [
        "/dev/vda1 / ext4 rw,relatime 0 0",
        "tmpfs /dev/shm tmpfs rw,nosuid,nodev 0 0",
        "tmpfs /mnt/huge tmpfs rw,relatime,size=1048576k,huge=always 0 0",
        "tmpfs /mnt/huge/inner tmpfs rw,relatime,huge=never 0 0",
        "tmpfs /mnt/sized tmpfs rw,relatime,huge=within_size 0 0",
        "tmpfs /mnt/advised tmpfs rw,relatime,huge=advise 0 0",
        "hugetlbfs /mnt/hugetlb hugetlbfs rw,pagesize=2M 0 0",
    ];

    [TestCase("/mnt/huge", true)]
    [TestCase("/mnt/huge/roadrunner-0", true)]
    [TestCase("/mnt/sized/x", true)]
    [TestCase("/mnt/huge/inner/x", false)]
    [TestCase("/mnt/hugeish/x", false)]
    [TestCase("/mnt/advised/x", false)]
    [TestCase("/mnt/hugetlb/x", false)]
    [TestCase("/dev/shm/roadrunner-0", false)]
    [TestCase("/tmp/x", false)]
    public void AFolderHasHugePagesWhenItsTmpfsIsMountedWithThem(string folder, bool expected) =>
        Assert.That(HugePageMounts.Covers(folder, Mounts), Is.EqualTo(expected));

    [Test]
    public void TheLastMountAtAPointWins() =>
        Assert.That(HugePageMounts.Covers("/dev/shm/x", [.. Mounts, "tmpfs /dev/shm tmpfs rw,huge=always 0 0"]), Is.True);

    [Test]
    [SupportedOSPlatform("linux")]
    public void InAFolderWithHugePagesAGuestMemoryStartsOnA2MiBBoundary()
    {
        Directory.CreateDirectory(Folder);
        var memories = new List<GuestMemoryFile>();
        try
        {
            for (int i = 0; i < 8; i++)
            {
                memories.Add(GuestMemoryFile.Create(Path.Combine(Folder, $"m{i}"), 65536, 1 << 30, 0, 65536, hugePages: true));
            }

            // (Elsewhere the start is wherever the kernel puts the reservation.)
            Assert.That(memories.Select(AddressOf), Has.All.Matches<nuint>(a => a % (2 * 1024 * 1024) == 0));
        }
        finally
        {
            memories.ForEach(m => m.Dispose());
        }
    }

    private static unsafe nuint AddressOf(GuestMemoryFile memory) => (nuint)memory.Start;

    [TestCase("/mnt/huge/x", "tmpfs")]
    [TestCase("/tmp/x", "ext4")]
    [TestCase("/mnt/hugetlb/x", "hugetlbfs")]
    public void AFoldersFileSystemIsTheOneMountedAtTheLongestMountPointAboveIt(string folder, string type) =>
        Assert.That(HugePageMounts.MountOf(folder, Mounts)?.Type, Is.EqualTo(type));

    [Test]
    public void APoolWarnsWhenItsFolderIsNotOnAMemoryFileSystem()
    {
        // The test's work folder (the checkout's file system, on disk almost everywhere: the expectation follows the
        // mounts table) and a folder in /dev/shm, a tmpfs.
        string onDisk = Path.Combine(TestContext.CurrentContext.WorkDirectory, "rr-disk-" + Guid.NewGuid().ToString("N"));
        string inMemory = Path.Combine("/dev/shm", "rr-mem-" + Guid.NewGuid().ToString("N"));
        bool diskIsMemory = HugePageMounts.MountOf(onDisk) is { Type: "tmpfs" or "ramfs" };
        try
        {
            using var diskLogs = new LogRecorder();
            using (new RegionPool(new RegionPoolOptions { FolderPath = onDisk }, diskLogs.CreateLogger("Roadrunner.Regions")))
            {
            }

            using var memoryLogs = new LogRecorder();
            using (new RegionPool(new RegionPoolOptions { FolderPath = inMemory }, memoryLogs.CreateLogger("Roadrunner.Regions")))
            {
            }

            Assert.Multiple(() =>
            {
                Assert.That(diskLogs.Of("RegionFolderOnDisk").Count(), Is.EqualTo(diskIsMemory ? 0 : 1), diskLogs.ToString());
                Assert.That(memoryLogs.Of("RegionFolderOnDisk"), Is.Empty, memoryLogs.ToString());
            });
        }
        finally
        {
            Directory.Delete(onDisk, recursive: true);
            Directory.Delete(inMemory, recursive: true);
        }
    }
}
