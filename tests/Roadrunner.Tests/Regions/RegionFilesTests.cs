using System.Runtime.Versioning;
using Roadrunner.Regions;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Regions;

[SupportedOSPlatform("linux")]
public class RegionFilesTests : FolderTest
{
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnly = OwnerReadWrite | UnixFileMode.UserExecute;

    [Test]
    public void FolderIsCreated0700AndRegionFiles0600()
    {
        using RegionPool pool = CreatePool();
        Assert.That(pool.TryRent(TestPool.Small + 1, out RegionPayload payload), Is.True);
        try
        {
            string file = payload.Chunks[0].Region.Path;
            Assert.Multiple(() =>
            {
                Assert.That(pool.FolderPath, Is.EqualTo(Path.GetFullPath(Folder)));
                Assert.That(File.GetUnixFileMode(Folder), Is.EqualTo(OwnerOnly));
                Assert.That(File.GetUnixFileMode(file), Is.EqualTo(OwnerReadWrite));
                Assert.That(Directory.GetFiles(Folder, "rr-*.lock").Select(File.GetUnixFileMode), Is.All.EqualTo(OwnerReadWrite));
            });
        }
        finally
        {
            payload.Release();
        }
    }

    [Test]
    public void ExistingFolderOpenToOthersIsClosedTo0700()
    {
        Directory.CreateDirectory(Folder);
        File.SetUnixFileMode(Folder, OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);

        using RegionPool pool = CreatePool();

        Assert.That(File.GetUnixFileMode(Folder), Is.EqualTo(OwnerOnly));
    }

    [Test]
    public void RegionFilesExistWhileMappedAndAreNamedForThisOwner()
    {
        using RegionPool pool = CreatePool();
        Assert.That(pool.TryRent((2 * TestPool.Large) + 1, out RegionPayload payload), Is.True);
        try
        {
            string[] paths = [.. payload.Chunks.Select(c => c.Region.Path)];
            string lockTag = Path.GetFileNameWithoutExtension(Directory.GetFiles(Folder, "rr-*.lock").Single());
            Assert.Multiple(() =>
            {
                Assert.That(paths, Has.Length.EqualTo(3).And.All.Matches<string>(File.Exists));
                Assert.That(paths.Distinct().Count(), Is.EqualTo(3));
                Assert.That(paths.Select(Path.GetFileName), Is.All.StartsWith(lockTag + "-").And.All.EndsWith(".region"));
                Assert.That(RegionFiles(), Is.EquivalentTo(paths));
                Assert.That(new FileInfo(paths[0]).Length, Is.EqualTo(TestPool.Large));
                Assert.That(new FileInfo(paths[2]).Length, Is.EqualTo(TestPool.Small));
            });
        }
        finally
        {
            payload.Release();
        }
    }

    [Test]
    public void BytesWrittenToARegionAreInItsFile()
    {
        using RegionPool pool = CreatePool();
        byte[] bytes = Payloads.Random(4096, 3);
        Assert.That(pool.TryRent(bytes.Length, out RegionPayload payload), Is.True);
        try
        {
            payload.Fill(bytes);
            using var file = new FileStream(payload.Chunks[0].Region.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var read = new byte[bytes.Length];
            file.ReadExactly(read);

            Assert.That(read, Is.EqualTo(bytes), "the region is a shared mapping of its file");
        }
        finally
        {
            payload.Release();
        }
    }

    [Test]
    public void DisposeDeletesEveryFileOfThePool()
    {
        RegionPool pool = CreatePool();
        var payloads = new List<RegionPayload>();
        foreach (int length in new[] { 10, TestPool.Small + 1, (2 * TestPool.Large) + 3 })
        {
            Assert.That(pool.TryRent(length, out RegionPayload payload), Is.True);
            payloads.Add(payload);
        }

        payloads.ForEach(p => p.Release());
        Assert.That(RegionFiles(), Is.Not.Empty);

        pool.Dispose();

        Assert.Multiple(() =>
        {
            Assert.That(Directory.GetFiles(Folder, "rr-*"), Is.Empty);
            Assert.That(pool.MappedBytes, Is.Zero);
        });
    }

    [Test]
    public void RegionStillLeasedAtDisposeLosesItsFileAtOnceAndStaysReadable()
    {
        RegionPool pool = CreatePool();
        byte[] bytes = Payloads.Random(2000, 5);
        Assert.That(pool.TryRent(bytes.Length, out RegionPayload payload), Is.True);
        payload.Fill(bytes);
        string path = payload.Chunks[0].Region.Path;

        pool.Dispose();
        var copy = new byte[bytes.Length];
        payload.CopyTo(copy);
        Assert.Multiple(() =>
        {
            Assert.That(copy, Is.EqualTo(bytes), "a leased payload stays readable after the pool is disposed");
            Assert.That(File.Exists(path), Is.False, "deleted with the pool: nothing is left if the lease is never released");
        });

        payload.Release();
        Assert.Multiple(() =>
        {
            Assert.That(File.Exists(path), Is.False);
            Assert.That(RegionFiles(), Is.Empty);
        });
    }

    [Test]
    public void FolderThatIsASymlinkIsRefused()
    {
        string real = Folder + "-real";
        Directory.CreateDirectory(real);
        File.SetUnixFileMode(real, OwnerOnly);
        try
        {
            Directory.CreateSymbolicLink(Folder, real);

            Assert.That(() => CreatePool(), Throws.InstanceOf<IOException>().With.Message.Contains("symlink"));
            Assert.That(Directory.GetFiles(real), Is.Empty, "nothing may be written through the link");
        }
        finally
        {
            File.Delete(Folder);
            Directory.Delete(real, recursive: true);
        }
    }

    [Test]
    public void FolderPathThatIsAFileIsRefused()
    {
        File.WriteAllText(Folder, "not a folder");
        try
        {
            Assert.That(() => CreatePool(), Throws.InstanceOf<IOException>());
        }
        finally
        {
            File.Delete(Folder);
        }
    }

    [Test]
    public void TwoPoolsShareAFolderWithoutTouchingEachOthersFiles()
    {
        using RegionPool first = CreatePool();
        Assert.That(first.TryRent(100, out RegionPayload a), Is.True);
        string firstFile = a.Chunks[0].Region.Path;

        using (RegionPool second = CreatePool())
        {
            Assert.That(second.TryRent(100, out RegionPayload b), Is.True);
            Assert.That(b.Chunks[0].Region.Path, Is.Not.EqualTo(firstFile));
            b.Release();
        }

        Assert.Multiple(() =>
        {
            Assert.That(File.Exists(firstFile), Is.True, "disposing the second pool must not delete the first pool's files");
            Assert.That(RegionFiles(), Is.EqualTo(new[] { firstFile }));
        });
        a.Release();
    }
}
