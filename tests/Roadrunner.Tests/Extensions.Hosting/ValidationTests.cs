using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Extensions.Hosting;

/// <summary>Bad configuration fails the host at start, with a message that names the key of each problem.</summary>
public class ValidationTests : HostedNodeTest
{
    private static string Consumer => Json(CGuests.Consumer);

    private static IEnumerable<TestCaseData> BadConfigurations()
    {
        yield return Case("""{ "Functions": [ { "Name": "Consumer", "Path": @PATH@ } ] }""", "Roadrunner:Functions:0:Name", "'C'");
        yield return Case("""{ "Functions": [ { "Name": "-consumer", "Path": @PATH@ } ] }""", "Roadrunner:Functions:0:Name", "starts or ends with '-'");
        yield return Case($$"""{ "Functions": [ { "Name": "{{new string('a', 64)}}", "Path": @PATH@ } ] }""", "Roadrunner:Functions:0:Name", "at most 63");
        yield return Case("""{ "Functions": [ { "Name": "a", "Path": @PATH@ }, { "Name": "a", "Path": @PATH@ } ] }""", "Roadrunner:Functions:1:Name", "loaded twice");
        yield return Case("""{ "Functions": [ { "Name": "a", "Path": "missing.wasm" } ] }""", "Roadrunner:Functions:0:Path", "does not exist");
        yield return Case("""{ "Functions": [ { "Name": "a" } ] }""", "Roadrunner:Functions:0:Path", "required");
        yield return Case("""{ "Functions": [ { "Name": "a", "Path": @PATH@, "Wasi": { "PreopenedDirectories": [ { "HostPath": "/no/such/dir", "GuestPath": "/d" } ] } } ] }""", "Roadrunner:Functions:0:Wasi:PreopenedDirectories:0:HostPath", "does not exist");
        yield return Case("""{ "Functions": [ { "Name": "a", "Path": @PATH@ } ], "Routes": { "all": [ "a", "b" ] } }""", "Roadrunner:Routes:all", "'b' is not a function");
        yield return Case("""{ "Functions": [ { "Name": "a", "Path": @PATH@ } ], "Routes": { "a": [ "a" ] } }""", "Roadrunner:Routes:a", "also a function");
        yield return Case("""{ "Host": { "Regions": { "SizeClasses": [ 1000 ] } } }""", "Roadrunner:Host:Regions:SizeClasses", "multiple of 4096");
        yield return Case("""{ "Host": { "Regions": { "SizeClasses": [ 65536, 65536 ] } } }""", "Roadrunner:Host:Regions:SizeClasses", "appears twice");
        yield return Case("""{ "SharedMemory": { "Options": { "RingSlots": 3 } } }""", "Roadrunner:SharedMemory:Options:RingSlots", "power of two");
        yield return Case("""{ "Network": { "Enabled": true } }""", "Roadrunner:Network:PreSharedKeyFile", "head -c 32 /dev/urandom");
        yield return Case("""{ "Network": { "PreSharedKey": "AAEC" } }""", "Roadrunner:Network:Options:PreSharedKey", "at least 16 bytes");
        yield return Case("""{ "Network": { "PreSharedKey": "not base64!" } }""", "Roadrunner:Network:PreSharedKey", "not valid base64");
        yield return Case("""{ "Network": { "PreSharedKeyFile": "no-such.key" } }""", "Roadrunner:Network:PreSharedKeyFile", "no-such.key");
        yield return Case("""{ "Network": { "PreSharedKey": "AAECAwQFBgcICQoLDA0ODw==", "Listen": "localhost" } }""", "Roadrunner:Network:Listen", "not ip:port");
        yield return Case("""{ "Network": { "PreSharedKey": "AAECAwQFBgcICQoLDA0ODw==", "Peers": { "b": [ "10.0.0.2" ] } } }""", "Roadrunner:Network:Peers:b", "not host:port");
        yield return Case("""{ "Network": { "PreSharedKey": "AAECAwQFBgcICQoLDA0ODw==", "Options": { "CongestionControl": [ "no such algorithm" ] } } }""", "Roadrunner:Network:Options:CongestionControl", "congestion-control");
        yield return Case("""{ "Network": { "PreSharedKey": "AAECAwQFBgcICQoLDA0ODw==", "Peers": { "b": [ "10.0.0.2:7000" ] }, "Dns": { "Namespace": "demo" } } }""", "Roadrunner:Network:Dns", "not with Peers");
        yield return Case("""{ "Network": { "PreSharedKey": "AAECAwQFBgcICQoLDA0ODw==", "Dns": { "QueryPattern": "_rr._tcp.example" } } }""", "Roadrunner:Network:Dns", "no {function} placeholder");
        yield return Case("""{ "Network": { "PreSharedKey": "AAECAwQFBgcICQoLDA0ODw==", "Dns": { "NameServers": [ "dns.example" ] } } }""", "Roadrunner:Network:Dns", "'dns.example' is not ip or ip:port");
    }

    [TestCaseSource(nameof(BadConfigurations))]
    public void ABadSettingStopsTheStartAndIsNamed(string roadrunner, string key, string why)
    {
        using IHost host = BuildHost($$"""{ "Roadrunner": {{roadrunner.Replace("@PATH@", Consumer, StringComparison.Ordinal)}} }""");

        var error = Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.That(error!.Failures, Has.Some.StartsWith(key + ":").And.Contains(why));
        Assert.That(FilesLeft(), Is.Empty, "nothing was started");
    }

    [Test]
    public void EveryProblemIsReportedAtOnce()
    {
        using IHost host = BuildHost("""{ "Roadrunner": { "Functions": [ { "Name": "A", "Path": "x.wasm" } ], "Routes": { "r": [ "z" ] } } }""");

        var error = Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.That(error!.Failures.Count(), Is.EqualTo(3), string.Join("\n", error.Failures));
    }

    [Test]
    public void TheKeyNeverAppearsInAnError()
    {
        const string key = "c2VjcmV0LXNlY3JldA=="; // 13 bytes: too short
        using IHost host = BuildHost($$"""{ "Roadrunner": { "Network": { "PreSharedKey": "{{key}}" } } }""");

        var error = Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.That(error!.Message, Does.Not.Contain(key).And.Not.Contain("secret"));
    }

    private static TestCaseData Case(string roadrunner, string key, string why) => new TestCaseData(roadrunner, key, why).SetArgDisplayNames(key + " " + why);
}
