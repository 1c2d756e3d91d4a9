using System.Net;
using System.Net.Sockets;
using Roadrunner.Tests.Hoses.Network;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Cli;

/// <summary>
/// Two <c>roadrunner run</c> nodes on 127.0.0.1 that find each other through DNS SRV records served by a real dnsmasq:
/// node A's forwarder reaches "consumer" on node B by name only, the way pods of a headless Service do.
/// </summary>
public class DnsDiscoveryTests : FolderTest
{
    private static string Guest(string name) => Path.Combine(AppContext.BaseDirectory, "guests", "manifests", name + ".wat");

    [Test]
    public async Task NodesFoundThroughSrvRecordsPassAPayload()
    {
        Directory.CreateDirectory(Folder);
        string key = Path.Combine(Folder, "node.key");
        await File.WriteAllBytesAsync(key, System.Security.Cryptography.RandomNumberGenerator.GetBytes(32), Ct);
        int portB = FreeTcpPort();
        using Dnsmasq dns = Dnsmasq.Start(
            ttl: 5,
            Dnsmasq.Srv($"_roadrunner._tcp.consumer.{Dnsmasq.Zone}", $"node-b.{Dnsmasq.Zone}", portB, priority: 10, weight: 10),
            Dnsmasq.Host($"node-b.{Dnsmasq.Zone}", "127.0.0.1"));

        string nodeB = Path.Combine(Folder, "node-b.toml");
        await File.WriteAllTextAsync(nodeB, $"""
            [host.regions]
            folder_path = "regions-b"

            [[functions]]
            name = "consumer"
            path = '{Guest("printer")}'

            [network]
            listen = "127.0.0.1:{portB}"
            pre_shared_key_file = "node.key"
            """, Ct);
        string nodeA = Path.Combine(Folder, "node-a.toml");
        await File.WriteAllTextAsync(nodeA, $"""
            [host.regions]
            folder_path = "regions-a"

            [[functions]]
            name = "forwarder"
            path = '{Guest("forwarder")}'

            [network]
            listen = "127.0.0.1:0"
            pre_shared_key_file = "node.key"

            [network.dns]
            query_pattern = "_roadrunner._tcp.{"{function}"}.{Dnsmasq.Zone}"
            name_servers = ["{dns.EndPoint}"]
            """, Ct);

        using var b = CliProcess.Start("run", nodeB);
        await b.WaitForLineAsync("Application started", Ct);
        using var a = CliProcess.Start("run", nodeA);
        await a.WaitForLineAsync("Application started", Ct);
        string listening = await a.WaitForLineAsync("Network endpoint listening on", Ct);
        string addressA = listening[(listening.IndexOf("listening on ", StringComparison.Ordinal) + "listening on ".Length)..].Split(' ')[0];

        using (var invoke = CliProcess.Start("invoke", "forwarder", "--data", "-", "--connect", addressA, "--key-file", key))
        {
            invoke.WriteInputAndClose("found by SRV\n");
            Assert.That(await invoke.WaitForExitAsync(Ct), Is.Zero, invoke.Output);
        }

        await a.WaitForLineAsync("forwarder stdout: forwarded 13 bytes to consumer", Ct);
        await b.WaitForLineAsync("consumer stdout: received 13 bytes: found by SRV", Ct);

        a.Terminate();
        b.Terminate();
        Assert.That(await a.WaitForExitAsync(Ct), Is.Zero, a.Output);
        Assert.That(await b.WaitForExitAsync(Ct), Is.Zero, b.Output);
    }

    private static int FreeTcpPort()
    {
        using var probe = new Socket(SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
