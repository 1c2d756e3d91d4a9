using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using Roadrunner.Hosting;
using Roadrunner.Hoses.Network;
using Roadrunner.Hoses.SharedMemory;
using Roadrunner.Tests.Hoses.SharedMemory;
using Roadrunner.Workloads;

namespace Roadrunner.Tests.Regions;

/// <summary>
/// A region folder on a full file system (a 2 MiB tmpfs this fixture mounts, like a container's small /dev/shm): every
/// file the library maps must get its pages before they are touched, so running out of room is a failure status, never
/// a SIGBUS. The library runs in a child process (Roadrunner.Peer), so a regression kills one child, not the test run.
/// </summary>
[SupportedOSPlatform("linux")]
[CancelAfter(120_000)]
public class FullFolderTests
{
    private const int MiB = 1024 * 1024;
    private string _mount = null!;
    private string _folder = null!;

    private static CancellationToken Ct => TestContext.CurrentContext.CancellationToken;

    [OneTimeSetUp]
    public void MountSmallTmpfs()
    {
        _mount = Path.Combine(Path.GetTempPath(), "rr-full-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(_mount);
        (int code, string output) = Run("mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", _mount);
        if (code != 0)
        {
            Directory.Delete(_mount);
            Assert.Fail($"These tests need a small tmpfs and could not mount one at {_mount} (mount exited {code}: {output.Trim()}); run them as root, as CI does.");
        }
    }

    [OneTimeTearDown]
    public void Unmount()
    {
        if (_mount is null || !Directory.Exists(_mount))
        {
            return;
        }

        if (Run("umount", _mount).Code != 0)
        {
            Run("umount", "-l", _mount); // still busy (a child that would not die): detach it now, freed when released
        }

        Directory.Delete(_mount, recursive: true);
    }

    [SetUp]
    public void NewFolder() => _folder = Path.Combine(_mount, "t-" + Guid.NewGuid().ToString("N")[..12]);

    [TearDown]
    public void DeleteFolder()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Test]
    public async Task A4MiBSendOnA2MiBFolderFailsWithAStatusAndLaterSendsThatFitWork()
    {
        await using PeerProcess child = await PeerProcess.StartAsync("full", ["--dir", _folder], Ct);

        Assert.That(await child.RequestAsync("send 524288 1", Ct), Is.EqualTo("ok"), "512 KiB fits");
        Assert.That(await child.RequestAsync("send 4194304 2", Ct), Is.EqualTo("status WouldBlock"), $"4 MiB does not fit: a status, not a signal. {child.Errors}");
        string asyncAnswer = await child.RequestAsync("send_async 4194304 3", Ct);
        Assert.That(asyncAnswer, Does.StartWith("status WouldBlock").And.Contains("is full"), "SendAsync says why");
        Assert.That(await child.RequestAsync("send 524288 4", Ct), Is.EqualTo("ok"), "the process is alive and a send that fits still works");
        Assert.That(await child.RequestAsync("full_count", Ct), Is.EqualTo("2"), "roadrunner.regions.folder_full counts each refusal");
    }

    [Test]
    public async Task RoomHeldByIdleRegionsIsGivenBackWhenTheFolderIsFull()
    {
        await using PeerProcess child = await PeerProcess.StartAsync("full", ["--dir", _folder], Ct);

        Assert.That(await child.RequestAsync("send 1400000 1", Ct), Is.EqualTo("ok"), "a 16 MiB-class region reserves 1.4 MB, then idles");
        Assert.That(await child.RequestAsync("send 900000 2", Ct), Is.EqualTo("ok"), $"a 1 MiB-class region needs room the idle one held. {child.Errors}");
        Assert.That(await child.RequestAsync("full_count", Ct), Is.EqualTo("0"), "nothing was refused");
    }

    [Test]
    public async Task AGuestMemoryInAFileThatCannotGrowSeesAFailedGrow()
    {
        await using PeerProcess child = await PeerProcess.StartAsync("full", ["--dir", _folder], Ct);

        Assert.That(await child.RequestAsync("grow 64", Ct), Is.EqualTo("-1"), $"4 MiB more cannot get room: memory.grow gives -1. {child.Errors}");
        Assert.That(await child.RequestAsync("grow 2", Ct), Is.EqualTo("1"), "a grow that fits still works (and its pages are touched)");
        Assert.That(int.Parse(await child.RequestAsync("full_count", Ct), CultureInfo.InvariantCulture), Is.GreaterThanOrEqualTo(1));
    }

    [Test]
    public async Task AGuestMemoryInAFileWithoutRoomFailsInstantiationClearly()
    {
        await using PeerProcess child = await PeerProcess.StartAsync("full", ["--dir", _folder], Ct);

        string answer = await child.RequestAsync("instantiate 64", Ct);

        Assert.That(answer, Does.StartWith("error").And.Contains("is full"), child.Errors);
        Assert.That(await child.RequestAsync("send 65536 5", Ct), Is.EqualTo("ok"), "the process is alive");
    }

    [Test]
    public async Task ACrossProcessReceiverWhoseFolderIsFullReportsFailureAndStaysUp()
    {
        // The receiver's own regions (where a streamed payload is reassembled) are on the full tmpfs; the rendezvous
        // folder and this process's regions are not, so only the child can hit the full folder.
        string rendezvous = ShmSupport.NewFolder();
        try
        {
            await using FunctionHost host = ShmSupport.NewHost(rendezvous);
            SharedMemoryOptions options = ShmSupport.Options(rendezvous);
            options.MaxBytesInFlight = MiB; // a 4 MiB payload is streamed, so the receiver must rent 4 MiB of its own
            await using SharedMemoryEndpoint endpoint = host.StartSharedMemoryEndpoint(options);
            await using PeerProcess child = await ShmSupport.StartPeerAsync(rendezvous, Ct, "--local-dir", _folder, "--inbox", "sink");

            HoseStatus refused = host.Open("sink").Send(ShmSupport.Pattern(4 * MiB, 1), TimeSpan.FromSeconds(30), Ct);

            Assert.That(refused, Is.Not.EqualTo(HoseStatus.Ok), "the payload was not delivered");
            Assert.That(await child.RequestAsync("faults", Ct), Is.Not.EqualTo("0"), $"the receiver recorded why. {child.Errors}");
            // A fresh sender: the refused hose's in-flight regions are not this test's subject.
            await using FunctionHost other = ShmSupport.NewHost(rendezvous);
            await using SharedMemoryEndpoint otherEndpoint = other.StartSharedMemoryEndpoint(ShmSupport.Options(rendezvous));
            Assert.That(other.Open("sink").Send(ShmSupport.Pattern(64 * 1024, 2), TimeSpan.FromSeconds(30), Ct), Is.EqualTo(HoseStatus.Ok), "a payload that fits goes through");
            Assert.That(await child.RequestAsync("drain sink 1 2", Ct), Is.EqualTo("ok"), "the receiver stayed up and got it intact");
        }
        finally
        {
            ShmSupport.Delete(rendezvous);
        }
    }

    [Test]
    public async Task ANetworkReceiverWhoseFolderIsFullAnswersWithAFailureStatusAndStaysUp()
    {
        // The child reads messages for "stall" (a .NET target) into regions of its host, on the full tmpfs.
        string keyFolder = Directory.CreateTempSubdirectory("rr-full-key-").FullName;
        try
        {
            byte[] key = RandomNumberGenerator.GetBytes(32);
            string keyFile = Path.Combine(keyFolder, "psk");
            await File.WriteAllBytesAsync(keyFile, key, Ct);
            await using PeerProcess child = await PeerProcess.StartAsync(
                "network", ["--module", GuestModules.PathOf(GuestModules.Consumer), "--key-file", keyFile, "--regions", _folder], Ct);
            int port = int.Parse(await child.RequestAsync("port", Ct), CultureInfo.InvariantCulture);
            await using FunctionHost host = new(new FunctionHostOptions { Regions = { Directory = Path.Combine(keyFolder, "regions") } });
            await using NetworkEndpoint endpoint = host.StartNetworkEndpoint(new NetworkOptions
            {
                PreSharedKey = key,
                Directory = new StaticNetworkDirectory().Add("stall", new IPEndPoint(IPAddress.Loopback, port)),
            });

            HoseStatus refused = host.Open("stall").Send(new byte[4 * MiB], TimeSpan.FromSeconds(30), Ct);
            Assert.That(refused, Is.EqualTo(HoseStatus.WouldBlock), $"the receiver had no room: a status, not a signal. {child.Errors}");

            // A message that fits is read into a region and handed to "stall", which holds it until released.
            Task<HoseStatus> fits = Task.Run(() => host.Open("stall").Send(new byte[64 * 1024], TimeSpan.FromSeconds(30), Ct), Ct);
            Assert.That(ShmSupport.Eventually(() => child.RequestAsync("stalled", Ct).GetAwaiter().GetResult() == "1"), Is.True, "the message that fits arrived");
            Assert.That(await child.RequestAsync("release 1", Ct), Is.EqualTo("ok"));
            Assert.That(await fits.WaitAsync(TimeSpan.FromSeconds(30), Ct), Is.EqualTo(HoseStatus.Ok));
        }
        finally
        {
            Directory.Delete(keyFolder, recursive: true);
        }
    }

    private static (int Code, string Output) Run(string program, params string[] arguments)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        try
        {
            using Process process = Process.Start(info)!;
            string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, output);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, e.Message);
        }
    }
}
