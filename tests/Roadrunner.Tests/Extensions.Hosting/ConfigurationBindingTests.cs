using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Roadrunner.Extensions.Hosting;
using Roadrunner.Hoses.Network;
using Roadrunner.Regions;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Extensions.Hosting;

/// <summary>Every option binds as written from configuration: lists replace the defaults, unknown keys are errors.</summary>
public class ConfigurationBindingTests : HostedNodeTest
{
    [Test]
    public async Task ListsBindAsWrittenAndTheHostStarts()
    {
        using IHost host = BuildHost($$"""
            { "Roadrunner": {
                "Host": { "Regions": { "SizeClasses": [65536, 1048576], "MaxLeasedBytes": 16777216 } },
                "Functions": [ { "Name": "consumer", "Path": {{Json(CGuests.Consumer)}} } ],
                "Network": { "Listen": "127.0.0.1:0", "PreSharedKey": "AAECAwQFBgcICQoLDA0ODw==",
                             "Options": { "CongestionControl": ["reno"] } } } }
            """);

        RoadrunnerOptions options = host.Services.GetRequiredService<IOptions<RoadrunnerOptions>>().Value;
        Assert.Multiple(() =>
        {
            Assert.That(options.Host.Regions.SizeClasses, Is.EqualTo(new[] { 65536, 1048576 }), "replaced, not appended to the defaults");
            Assert.That(options.Network!.Options.CongestionControl, Is.EqualTo(new[] { "reno" }));
            Assert.That(options.Network.Options.PreSharedKey, Has.Length.EqualTo(16));
        });

        await host.StartAsync(Ct);
        RoadrunnerNode node = host.Services.GetRequiredService<RoadrunnerNode>();
        Assert.That(node.Host.Pool.SizeClasses, Is.EqualTo(new[] { 65536, 1048576 }));
        await host.StopAsync(Ct);
    }

    [Test]
    public void ADnsSectionMakesADnsSrvResolver()
    {
        using IHost host = BuildHost("""
            { "Roadrunner": { "Network": { "PreSharedKey": "AAECAwQFBgcICQoLDA0ODw==",
                "Dns": { "QueryPattern": "_roadrunner._tcp.{function}.{namespace}.svc.cluster.local", "Namespace": "demo",
                         "NameServers": [ "127.0.0.1:5353" ], "MinTtl": "00:00:02", "StaleFor": "00:01:00" } } } }
            """);

        RoadrunnerNetwork network = host.Services.GetRequiredService<IOptions<RoadrunnerOptions>>().Value.Network!;
        Assert.Multiple(() =>
        {
            Assert.That(network.Options.Resolver, Is.InstanceOf<DnsSrvResolver>());
            Assert.That(network.Dns!.QueryFor("consumer"), Is.EqualTo("_roadrunner._tcp.consumer.demo.svc.cluster.local"));
            Assert.That(network.Dns.NameServers, Is.EqualTo(new[] { "127.0.0.1:5353" }));
            Assert.That(network.Dns.MinTtl, Is.EqualTo(TimeSpan.FromSeconds(2)));
            Assert.That(network.Dns.StaleFor, Is.EqualTo(TimeSpan.FromMinutes(1)));
        });
    }

    [Test]
    public void DefaultsStandWhenListsAreNotConfigured()
    {
        using IHost host = BuildHost("""{ "Roadrunner": { } }""");

        RoadrunnerOptions options = host.Services.GetRequiredService<IOptions<RoadrunnerOptions>>().Value;
        Assert.Multiple(() =>
        {
            Assert.That(options.Host.Regions.SizeClasses, Is.Null);
            Assert.That(new RegionPoolOptions().ValidatedSizeClasses(), Is.EqualTo(RegionPoolOptions.DefaultSizeClasses));
            Assert.That(new NetworkOptions().CongestionControlToTry, Is.EqualTo(NetworkOptions.DefaultCongestionControl));
        });
    }

    [TestCase("""{ "Roadrunner": { "Functons": [ 1 ] } }""", "Roadrunner:Functons")]
    [TestCase("""{ "Roadrunner": { "Host": { "Regions": { "SizeClass": [65536] } } } }""", "Roadrunner:Host:Regions:SizeClass")]
    [TestCase("""{ "Roadrunner": { "Functions": [ { "Name": "a", "Pth": "a.wasm" } ] } }""", "Roadrunner:Functions:0:Pth")]
    [TestCase("""{ "Roadrunner": { "Network": { "Options": { "MaxFrameByte": 1 } } } }""", "Roadrunner:Network:Options:MaxFrameByte")]
    public void AMisspeltKeyIsAnErrorThatNamesIt(string json, string key)
    {
        using IHost host = BuildHost(json);

        var error = Assert.Throws<InvalidOperationException>(() => _ = host.Services.GetRequiredService<IOptions<RoadrunnerOptions>>().Value);
        Assert.That(error!.Message, Does.Contain(key));
    }

    [TestCase("""{ "Roadrunner": { "Host": { "Regions": { "Directory": "/tmp/x" } } } }""", "Roadrunner:Host:Regions:Directory (renamed: use FolderPath)")]
    [TestCase("""{ "Roadrunner": { "SharedMemory": { "Options": { "directory": "/tmp/x" } } } }""", "Roadrunner:SharedMemory:Options:directory (renamed: use FolderPath)")]
    [TestCase("""{ "Roadrunner": { "Network": { "Options": { "Directory": "x" } } } }""", "Roadrunner:Network:Options:Directory (renamed: use Resolver)")]
    public void AnOldKeyIsAnErrorThatNamesTheNewOne(string json, string expected)
    {
        using IHost host = BuildHost(json);

        var error = Assert.Throws<InvalidOperationException>(() => _ = host.Services.GetRequiredService<IOptions<RoadrunnerOptions>>().Value);
        Assert.That(error!.Message, Does.Contain(expected));
    }

    [Test]
    public void EveryMisspeltKeyIsNamedWithItsPathAtOnce()
    {
        using IHost host = BuildHost("""
            { "Roadrunner": { "Functions": [ { "Name": "a", "Pth": "a.wasm" }, { "Nme": "b" } ],
                              "Routes": { "any-name": [ "a" ] }, "Network": { "Peers": { "far": [ "10.0.0.2:7000" ] }, "Lisen": "x" },
                              "Functions2": 1 } }
            """);

        var error = Assert.Throws<InvalidOperationException>(() => _ = host.Services.GetRequiredService<IOptions<RoadrunnerOptions>>().Value);

        Assert.That(error!.Message, Does.Contain("Roadrunner:Functions:0:Pth").And.Contain("Roadrunner:Functions:1:Nme")
            .And.Contain("Roadrunner:Network:Lisen").And.Contain("Roadrunner:Functions2"));
        Assert.That(error.Message, Does.Not.Contain("any-name").And.Not.Contain("far"), "route and peer names are data, not keys");
    }
}
