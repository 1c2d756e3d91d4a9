using System.Text.RegularExpressions;
using Roadrunner.Cli;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Cli;

/// <summary>
/// <c>roadrunner run</c> as a real child process with two functions ("forwarder" passes each payload on to
/// "consumer", which logs it), reached by <c>roadrunner invoke</c> from other child processes over shared memory and
/// over TCP on 127.0.0.1, then stopped with SIGTERM: exit code 0 and no files left.
/// </summary>
public partial class HostProgramTests : FolderTest
{
    private string Guest(string name) => Path.Combine(AppContext.BaseDirectory, "guests", "manifests", name + ".wat");

    [Test]
    public async Task RunServesInvokeOverSharedMemoryAndTcpAndStopsCleanlyOnSigterm()
    {
        string regions = Path.Combine(Folder, "regions");
        string rendezvous = Path.Combine(Folder, "hoses");
        string key = Path.Combine(Folder, "node.key");
        Directory.CreateDirectory(Folder);
        await File.WriteAllBytesAsync(key, System.Security.Cryptography.RandomNumberGenerator.GetBytes(32), Ct);
        string manifest = Path.Combine(Folder, "node.toml");
        await File.WriteAllTextAsync(manifest, $"""
            [host.regions]
            folder_path = "regions"

            [[functions]]
            name = "consumer"
            path = '{Guest("printer")}'

            [[functions]]
            name = "forwarder"
            path = '{Guest("forwarder")}'

            [shared_memory.options]
            folder_path = '{rendezvous}'

            [network]
            listen = "127.0.0.1:0"
            pre_shared_key_file = "node.key"
            """, Ct);
        string payloadFile = Path.Combine(Folder, "payload.txt");
        await File.WriteAllTextAsync(payloadFile, "over shared memory", Ct);

        using var node = CliProcess.Start("run", manifest);
        await node.WaitForLineAsync("Application started", Ct);
        string listening = await node.WaitForLineAsync("Network endpoint listening on", Ct);
        string address = ListenAddress().Match(listening).Groups[1].Value;

        using (var overSharedMemory = CliProcess.Start("invoke", "consumer", "--data", payloadFile, "--rendezvous", rendezvous))
        {
            Assert.That(await overSharedMemory.WaitForExitAsync(Ct), Is.Zero, overSharedMemory.Output);
        }

        await node.WaitForLineAsync("consumer stdout: received 18 bytes: over shared memory", Ct);

        using (var overTcp = CliProcess.Start("invoke", "forwarder", "--data", "-", "--connect", address, "--key-file", key))
        {
            overTcp.WriteInputAndClose("over tcp\n");
            Assert.That(await overTcp.WaitForExitAsync(Ct), Is.Zero, overTcp.Output);
        }

        await node.WaitForLineAsync("forwarder stdout: forwarded 9 bytes to consumer", Ct);
        await node.WaitForLineAsync("consumer stdout: received 9 bytes: over tcp", Ct);

        using (var unknown = CliProcess.Start("invoke", "nobody", "--data", payloadFile, "--rendezvous", rendezvous))
        {
            Assert.That(await unknown.WaitForExitAsync(Ct), Is.EqualTo(6), unknown.Output); // 2 + (−UnknownTarget)
            Assert.That(unknown.Output, Does.StartWith("UnknownTarget"));
        }

        node.Terminate();
        Assert.Multiple(async () =>
        {
            Assert.That(await node.WaitForExitAsync(Ct), Is.Zero, node.Output);
            Assert.That(node.Output, Does.Contain("Roadrunner node stopped"));
            Assert.That(Directory.GetFiles(regions), Is.Empty, "region folder");
            Assert.That(Directory.GetFiles(rendezvous), Is.Empty, "rendezvous folder");
        });
    }

    [Test]
    public async Task InvokeToANodeThatIsDownSaysWhy()
    {
        Directory.CreateDirectory(Folder);
        string key = Path.Combine(Folder, "node.key");
        await File.WriteAllBytesAsync(key, System.Security.Cryptography.RandomNumberGenerator.GetBytes(32), Ct);
        using var unused = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        unused.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0)); // bound, never listening: refused
        string address = unused.LocalEndPoint!.ToString()!;

        using var invoke = CliProcess.Start("invoke", "consumer", "--data", "-", "--connect", address, "--key-file", key);
        invoke.WriteInputAndClose("x");

        Assert.That(await invoke.WaitForExitAsync(Ct), Is.EqualTo(10), invoke.Output); // 2 + (−PeerFailed)
        Assert.That(invoke.Output, Does.Contain($"PeerFailed: Cannot reach {address}"));
    }

    [Test]
    public async Task RunOfABadManifestExitsWithItsErrorsAndStartsNothing()
    {
        Directory.CreateDirectory(Folder);
        string manifest = Path.Combine(Folder, "bad.toml");
        await File.WriteAllTextAsync(manifest, """
            [[functions]]
            name = "consumer"
            path = "missing.wasm"
            """, Ct);

        using var node = CliProcess.Start("run", manifest);
        Assert.That(await node.WaitForExitAsync(Ct), Is.EqualTo(1));
        Assert.That(node.Output, Does.Contain("bad.toml:3: functions[0].path: 'missing.wasm' does not exist"));
    }

    [Test]
    public void InvokeExitCodesAreZeroOnlyForOkAndTellEveryStatusApart()
    {
        HoseStatus[] failures = [.. Enum.GetValues<HoseStatus>().Where(s => s != HoseStatus.Ok)];
        int[] codes = [.. failures.Select(InvokeCommand.ExitCode)];

        Assert.Multiple(() =>
        {
            Assert.That(InvokeCommand.ExitCode(HoseStatus.Ok), Is.Zero);
            Assert.That(InvokeCommand.ExitCode(HoseStatus.PeerFailed), Is.EqualTo(10));
            Assert.That(codes, Is.All.GreaterThan(1), "1 is for bad arguments");
            Assert.That(codes, Is.Unique);
        });
    }

    [GeneratedRegex(@"listening on (\S+)")]
    private static partial Regex ListenAddress();
}
