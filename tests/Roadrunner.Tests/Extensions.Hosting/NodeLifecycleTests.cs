using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Roadrunner.Extensions.Hosting;
using Roadrunner.Hosting;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Extensions.Hosting;

/// <summary>The node starts and stops with the generic host and leaves nothing behind.</summary>
public class NodeLifecycleTests : HostedNodeTest
{
    private string TwoFunctionsAndARoute => $$"""
        { "Roadrunner": {
            "Functions": [ { "Name": "producer", "Path": {{Json(CGuests.Producer)}} },
                           { "Name": "consumer", "Path": {{Json(CGuests.Consumer)}} },
                           { "Name": "auditor", "Path": {{Json(CGuests.Consumer)}} } ],
            "Routes": { "everyone": [ "consumer", "auditor" ] } } }
        """;

    [Test]
    public async Task FunctionsAndRoutesFromConfigurationExchangePayloads()
    {
        using IHost host = BuildHost(TwoFunctionsAndARoute);
        await host.StartAsync(Ct);
        FunctionHost functions = host.Services.GetRequiredService<FunctionHost>();

        Assert.That(functions.Functions.Select(f => f.Name), Is.EquivalentTo(new[] { "producer", "consumer", "auditor" }));
        await functions.Open("everyone").SendAsync(new byte[] { 1, 2, 3 }, Ct);
        foreach (string name in new[] { "consumer", "auditor" })
        {
            Assert.That(functions[name].Run(i => i.GetFunction<int>("message_count")!()), Is.EqualTo(1), name);
        }

        Assert.That(Logs.Count(l => l.EventName == "FunctionLoaded"), Is.EqualTo(3));
        await host.StopAsync(Ct);
    }

    [Test]
    public async Task StoppingLeavesNoFilesAndNoRunningNode()
    {
        using IHost host = BuildHost(TwoFunctionsAndARoute);
        await host.StartAsync(Ct);
        RoadrunnerNode node = host.Services.GetRequiredService<RoadrunnerNode>();
        await node.Host.Open("consumer").SendAsync(new byte[100_000], Ct);
        Assert.That(FilesLeft(), Is.Not.Empty, "the running node keeps its lock file and regions");

        await host.StopAsync(Ct);

        Assert.Multiple(() =>
        {
            Assert.That(FilesLeft(), Is.Empty);
            Assert.That(node.IsRunning, Is.False);
            Assert.That(() => node.Host, Throws.InvalidOperationException);
        });
    }

    [Test]
    public void AFunctionThatFailsToLoadStopsTheStartAndUndoesTheRest()
    {
        string broken = WriteModule("broken", "(module (func (export \"f\") (i32.add)))"); // does not validate
        using IHost host = BuildHost($$"""
            { "Roadrunner": { "Functions": [ { "Name": "consumer", "Path": {{Json(CGuests.Consumer)}} },
                                             { "Name": "broken", "Path": {{Json(broken)}} } ] } }
            """);

        Assert.ThrowsAsync<Wasmtime.WasmtimeException>(() => host.StartAsync(Ct));
        Assert.That(FilesLeft(), Is.Empty, "the function loaded before it and the pool were disposed");
    }

    [Test]
    public async Task EndpointsStartAndStopWithTheHost()
    {
        string rendezvous = Folder + "-hoses";
        using IHost host = BuildHost($$"""
            { "Roadrunner": {
                "Functions": [ { "Name": "consumer", "Path": {{Json(CGuests.Consumer)}} } ],
                "SharedMemory": { "Options": { "FolderPath": {{Json(rendezvous)}} } },
                "Network": { "Listen": "127.0.0.1:0", "PreSharedKey": "AAECAwQFBgcICQoLDA0ODw==" } } }
            """);
        try
        {
            await host.StartAsync(Ct);
            RoadrunnerNode node = host.Services.GetRequiredService<RoadrunnerNode>();
            Assert.That(node.SharedMemory, Is.Not.Null);
            Assert.That(node.Network!.LocalEndPoint.Port, Is.Not.Zero);

            await host.StopAsync(Ct);

            Assert.That(node.SharedMemory, Is.Null);
            Assert.That(node.Network, Is.Null);
            Assert.That(FilesLeft(), Is.Empty);
        }
        finally
        {
            TestPool.Delete(rendezvous);
        }
    }

    [Test]
    public async Task StoppingEndsEveryThreadTheNodeStarted()
    {
        string rendezvous = Folder + "-hoses";
        int before = RoadrunnerThreads();
        using IHost host = BuildHost($$"""
            { "Roadrunner": {
                "Functions": [ { "Name": "consumer", "Path": {{Json(CGuests.Consumer)}} } ],
                "SharedMemory": { "Options": { "FolderPath": {{Json(rendezvous)}} } },
                "Network": { "Listen": "127.0.0.1:0", "PreSharedKey": "AAECAwQFBgcICQoLDA0ODw==" } } }
            """);
        try
        {
            await host.StartAsync(Ct);
            Assert.That(RoadrunnerThreads(), Is.GreaterThan(before), "the epoch ticker and the endpoints' threads run");

            await host.StopAsync(Ct);

            Assert.That(ShmSupportEventually(() => RoadrunnerThreads() <= before), Is.True, $"threads left: {RoadrunnerThreads() - before}");
        }
        finally
        {
            TestPool.Delete(rendezvous);
        }
    }

    /// <summary>Threads of this process whose name starts with "roadrunner" (Linux keeps the first 15 characters in /proc).</summary>
    private static int RoadrunnerThreads() =>
        Directory.EnumerateDirectories("/proc/self/task").Count(task =>
        {
            try
            {
                return File.ReadAllText(Path.Combine(task, "comm")).StartsWith("roadrunner", StringComparison.Ordinal);
            }
            catch (IOException)
            {
                return false; // the thread ended while we looked
            }
        });

    private static bool ShmSupportEventually(Func<bool> condition) => Roadrunner.Tests.Hoses.SharedMemory.ShmSupport.Eventually(condition);
}
