using System.Buffers;
using System.Globalization;
using System.Runtime.Versioning;
using Roadrunner.Hoses;
using Roadrunner.Regions;
using Roadrunner.Tests.Support;
using Roadrunner.Workloads;

namespace Roadrunner.Tests.Regions;

/// <summary>
/// When a pool's process ends, however it ends, nothing of it is left in the folder once the next pool opens it, even
/// when payloads were still referenced (queued in a hose, held in a lease) as its pool was disposed; and the files of
/// an owner that is alive in another process are never touched.
/// </summary>
[SupportedOSPlatform("linux")]
[CancelAfter(120_000)]
public class OrphanedFilesTests : FolderTest
{
    [Test]
    public void APoolDisposedWithAHeldLeaseLeavesNothingAndTheLeaseStillReads()
    {
        RegionPool pool = CreatePool();
        string tag = pool.OwnerTag;
        Assert.That(pool.TryRent(TestPool.Large + 10, out RegionPayload held), Is.True);
        held.Fill(Enumerable.Repeat((byte)0x5A, TestPool.Large + 10).ToArray());

        pool.Dispose();
        using RegionPool next = CreatePool();

        Assert.That(FilesOf(tag), Is.Empty, "the disposed pool's files, leased ones included");
        Assert.That(held.AsSequence().ToArray(), Is.All.EqualTo(0x5A), "a mapping outlives its file's name");
        held.Release();
        Assert.That(FilesOf(tag), Is.Empty);
    }

    [Test]
    public async Task APoolDisposedWithAQueuedPayloadLeavesNothingAndThePayloadStillArrives()
    {
        RegionPool pool = CreatePool();
        string tag = pool.OwnerTag;
        await using IDataHose hose = DataHose.CreateInProcess("queued", pool);
        byte[] payload = Payloads.Random(3 * TestPool.Large, seed: 9);
        Assert.That(hose.Send(payload, WaitLimit, Ct), Is.EqualTo(HoseStatus.Ok));
        Assert.That(Directory.GetFiles(Folder, $"rr-{tag}-*.region"), Has.Length.EqualTo(3), "three chunks of the largest class");

        pool.Dispose();
        using RegionPool next = CreatePool();

        Assert.That(FilesOf(tag), Is.Empty);
        Assert.That(await ReceiveBytesAsync(hose), Is.EqualTo(payload));
    }

    [Test]
    public void FilesOfADeadOwnerWhoseLockFileIsGoneAreSwept()
    {
        // What a pool disposed with payloads still referenced left before: no lock file, files of every kind.
        string tag = $"{DeadPid()}-00112233aabbccdd";
        Directory.CreateDirectory(Folder);
        string[] files = [.. new[] { "1.region", "2.region", "17.region" }.Select(n => Path.Combine(Folder, $"rr-{tag}-{n}"))];
        foreach (string file in files)
        {
            File.WriteAllBytes(file, new byte[4096]);
        }

        using RegionPool pool = CreatePool();

        Assert.That(files.Where(File.Exists), Is.Empty);
    }

    [Test]
    public async Task AChildKilledWithReferencedPayloadsLeavesNothingOnceTheNextPoolOpensAndIsNotSweptWhileAlive()
    {
        await using PeerProcess child = await StartChildAsync();
        Assert.That(await child.RequestAsync("queue 3000000", Ct), Is.EqualTo("ok"));
        Assert.That(await child.RequestAsync("hold 100000", Ct), Is.EqualTo("ok"));
        string[] childFiles = ChildFiles(child.Id);
        Assert.That(childFiles, Has.Length.GreaterThanOrEqualTo(3), "lock file and regions");

        using (CreatePool())
        {
            Assert.That(childFiles.Where(f => !File.Exists(f)), Is.Empty, "a live owner in another process keeps every file");
        }

        child.Kill();
        await child.WaitForExitAsync(Ct);
        using RegionPool next = CreatePool();

        Assert.That(ChildFiles(child.Id), Is.Empty);
    }

    [Test]
    public async Task AChildThatDisposesItsPoolWithReferencedPayloadsLeavesNothing()
    {
        int pid;
        await using (PeerProcess child = await StartChildAsync())
        {
            pid = child.Id;
            Assert.That(await child.RequestAsync("queue 3000000", Ct), Is.EqualTo("ok"));
            Assert.That(await child.RequestAsync("hold 100000", Ct), Is.EqualTo("ok"));
            Assert.That(ChildFiles(pid), Has.Length.GreaterThanOrEqualTo(3), "lock file and regions");
            Assert.That(await child.RequestAsync("dispose", Ct), Is.EqualTo("ok"));
            Assert.That(ChildFiles(pid), Is.Empty, "disposing deleted every file, leased ones included");
        } // the child exits without releasing the payloads

        using RegionPool next = CreatePool();
        Assert.That(ChildFiles(pid), Is.Empty);
    }

    private Task<PeerProcess> StartChildAsync()
    {
        Directory.CreateDirectory(Folder);
        return PeerProcess.StartAsync("leave", ["--dir", Folder], Ct);
    }

    private string[] FilesOf(string tag) => Directory.GetFiles(Folder, $"rr-{tag}*");

    private string[] ChildFiles(int pid) => Directory.GetFiles(Folder, $"rr-{pid.ToString(CultureInfo.InvariantCulture)}-*");

    /// <summary>A pid no process has.</summary>
    private static int DeadPid()
    {
        int pid = 999_999;
        while (Directory.Exists($"/proc/{pid}"))
        {
            pid++;
        }

        return pid;
    }
}
