using System.Runtime.Versioning;
using Roadrunner.Regions;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Regions;

/// <summary>Files left behind by a process that died are removed when the next pool opens the folder.</summary>
[SupportedOSPlatform("linux")]
public class StaleFileSweepTests : FolderTest
{
    [Test]
    public void FilesOfADeadOwnerAreDeletedWhenAPoolOpens()
    {
        (string lockFile, string[] regions) = CreateFakeOwner(DeadPid(), "0123456789abcdef", regionCount: 2);

        using RegionPool pool = CreatePool();

        Assert.Multiple(() =>
        {
            Assert.That(File.Exists(lockFile), Is.False);
            Assert.That(regions.Where(File.Exists), Is.Empty);
        });
    }

    [Test]
    public void FilesOfALiveOwnerInThisProcessSurvive()
    {
        using RegionPool live = CreatePool();
        Assert.That(live.TryRent(100, out RegionPayload payload), Is.True);
        string liveRegion = payload.Chunks[0].Region.Path;
        string liveLock = Directory.GetFiles(Folder, "rr-*.lock").Single();

        using RegionPool newcomer = CreatePool();

        Assert.Multiple(() =>
        {
            Assert.That(File.Exists(liveRegion), Is.True);
            Assert.That(File.Exists(liveLock), Is.True);
        });
        payload.Release();
    }

    [Test]
    public void FilesOfARunningPidAreKeptEvenWithoutALock()
    {
        // pid 1 always runs: its files may belong to a live owner on a platform without file locks.
        (string lockFile, string[] regions) = CreateFakeOwner(1, "fedcba9876543210", regionCount: 1);

        using RegionPool pool = CreatePool();

        Assert.Multiple(() =>
        {
            Assert.That(File.Exists(lockFile), Is.True);
            Assert.That(regions.All(File.Exists), Is.True);
        });
    }

    [Test]
    public void OnlyTheDeadOwnersFilesGoWhenSeveralOwnersShareTheFolder()
    {
        using RegionPool live = CreatePool();
        Assert.That(live.TryRent(100, out RegionPayload payload), Is.True);
        string liveRegion = payload.Chunks[0].Region.Path;
        (string deadLock, string[] deadRegions) = CreateFakeOwner(DeadPid(), "00000000deadbeef", regionCount: 3);
        string unrelated = Path.Combine(Folder, "notes.txt");
        File.WriteAllText(unrelated, "keep me");

        using RegionPool newcomer = CreatePool();

        Assert.Multiple(() =>
        {
            Assert.That(File.Exists(liveRegion), Is.True);
            Assert.That(File.Exists(deadLock), Is.False);
            Assert.That(deadRegions.Where(File.Exists), Is.Empty);
            Assert.That(File.Exists(unrelated), Is.True, "files that are not the pool's are left alone");
        });
        payload.Release();
    }

    /// <summary>A pid no process has (above the kernel's pid_max, so it can never exist).</summary>
    private static int DeadPid()
    {
        int pid = 999_999;
        while (Directory.Exists($"/proc/{pid}"))
        {
            pid++;
        }

        return pid;
    }

    private (string LockFile, string[] Regions) CreateFakeOwner(int pid, string random, int regionCount)
    {
        Directory.CreateDirectory(Folder);
        File.SetUnixFileMode(Folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        string tag = $"{pid}-{random}";
        string lockFile = Path.Combine(Folder, $"rr-{tag}.lock");
        File.WriteAllBytes(lockFile, []);
        string[] regions = [.. Enumerable.Range(1, regionCount).Select(n => Path.Combine(Folder, $"rr-{tag}-{n}.region"))];
        foreach (string region in regions)
        {
            File.WriteAllBytes(region, new byte[4096]);
        }

        return (lockFile, regions);
    }
}
