using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Roadrunner.Hosting;
using Roadrunner.Hoses.Network;
using Roadrunner.Regions;
using Roadrunner.Tests.Hoses.Network;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Diagnostics;

/// <summary>
/// Each kind of fault is a log event with an id and structured fields (the shared-memory ones are checked in
/// Hoses/SharedMemory: a peer's death, a refused ring, a failed hose; a full folder in Regions/FullFolderTests).
/// </summary>
public class LogEventTests : FolderTest
{
    private LogRecorder _logs = null!;

    [SetUp]
    public void Record() => _logs = new LogRecorder();

    [TearDown]
    public void StopRecording() => _logs.Dispose();

    [Test]
    public async Task AGuestThatTrapsIsLoggedAsFaultedWithItsNameAndTheTrap()
    {
        await using FunctionHost host = CreateHost(loggerFactory: _logs);
        WasmFunction receiver = host.LoadText("receiver", Guests.PushReceiver);
        receiver.Run(i =>
        {
            i.GetAction("trap_next")!();
            return 0;
        });

        Assert.That(host.Open("receiver").TrySend([1]), Is.EqualTo(HoseStatus.PeerFailed));

        LogEntry fault = _logs.Of("GuestFaulted").Single();
        Assert.Multiple(() =>
        {
            Assert.That(fault.EventId, Is.EqualTo(1001));
            Assert.That(fault.Level, Is.EqualTo(LogLevel.Error));
            Assert.That(fault.Category, Is.EqualTo("Roadrunner.Wasm"));
            Assert.That(fault.Fields["Function"], Is.EqualTo("receiver"));
            Assert.That(fault.Fields["Reason"], Does.StartWith("rr_on_message trapped"));
        });
    }

    [Test]
    public async Task ARefusedPayloadIsLoggedWithItsSizeAndPath()
    {
        await using FunctionHost host = CreateHost(loggerFactory: _logs);
        host.LoadText("receiver", Guests.PushReceiver); // refuses above 64 KiB

        Assert.That(host.Open("receiver").TrySend(new byte[70_000]), Is.EqualTo(HoseStatus.PeerFailed));

        LogEntry refusal = _logs.Of("PushRefused").Single();
        Assert.That(refusal.Fields["Bytes"], Is.EqualTo(70_000L));
        Assert.That(refusal.Fields["Path"], Is.EqualTo("direct"));
    }

    [Test]
    public void FilesOfADeadProcessSweptAtOpenAreLogged()
    {
        Directory.CreateDirectory(Folder);
        int deadPid = DeadPid();
        foreach (string name in new[] { $"rr-{deadPid}-00000000000000aa-1.region", $"rr-{deadPid}-00000000000000aa-2.region", $"rr-{deadPid}-00000000000000aa.lock" })
        {
            File.WriteAllBytes(Path.Combine(Folder, name), []);
        }

        using var pool = new RegionPool(new RegionPoolOptions { FolderPath = Folder }, _logs.CreateLogger("Roadrunner.Regions"));

        LogEntry swept = _logs.Of("StaleFilesSwept").Single();
        Assert.That(swept.Fields["Count"], Is.GreaterThanOrEqualTo(2));
        Assert.That(swept.Fields["Folder"], Is.EqualTo(Folder));
    }

    [Test]
    public async Task NetworkEventsAreLogged()
    {
        await using NetworkTestbed bed = NetworkTestbed.Start(logs: _logs);
        using (var stranger = new TcpClient())
        {
            await stranger.ConnectAsync(bed.ServerAddress, Ct);
            await stranger.GetStream().WriteAsync(new byte[64].Select((_, i) => (byte)(i * 7)).ToArray(), Ct); // not a Hello
            Assert.That(NetworkTestbed.IsDropped(stranger.GetStream()), Is.True);
        }

        Assert.That(bed.Client.TryResolve("pull", out IHoseSender? sender), Is.True);
        Assert.That(sender!.Send(new byte[10], WaitLimit, Ct), Is.EqualTo(HoseStatus.Ok));

        using var unused = new Socket(SocketType.Stream, ProtocolType.Tcp);
        unused.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var nobody = (IPEndPoint)unused.LocalEndPoint!; // bound, never listening: connections are refused
        bed.Resolver.Add("nobody", nobody);
        Assert.That(bed.Client.TryResolve("nobody", out IHoseSender? refused), Is.True);
        Assert.That(refused!.Send(new byte[10], WaitLimit, Ct), Is.EqualTo(HoseStatus.PeerFailed));

        Assert.Multiple(() =>
        {
            Assert.That(_logs.Of("NetworkConnectionDropped").Select(e => e.Fields["Detail"]), Has.Some.EqualTo("before the handshake completed"), _logs.ToString());
            Assert.That(_logs.Of("NetworkConnected").Single().Fields["EndPoint"], Is.EqualTo(bed.ServerAddress.ToString()));
            Assert.That(_logs.Of("NetworkPeerUnreachable").Single().Fields["EndPoint"], Is.EqualTo(nobody.ToString()));
        });
    }

    [Test]
    public void EveryEventHasItsOwnId()
    {
        var ids = typeof(FunctionHost).Assembly.GetType("Roadrunner.Diagnostics.RoadrunnerLog")!
            .GetMethods()
            .Select(m => m.GetCustomAttributes(typeof(LoggerMessageAttribute), false).Cast<LoggerMessageAttribute>().SingleOrDefault())
            .Where(a => a is not null)
            .Select(a => a!.EventId)
            .ToList();

        Assert.That(ids, Is.Unique);
        Assert.That(ids, Has.Count.GreaterThan(10));
    }

    private static int DeadPid()
    {
        for (int pid = 4_000_000; ; pid--)
        {
            if (!Directory.Exists("/proc/" + pid.ToString(CultureInfo.InvariantCulture)))
            {
                return pid;
            }
        }
    }
}
