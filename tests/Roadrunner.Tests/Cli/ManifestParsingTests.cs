using Roadrunner.Cli.Manifest;
using Roadrunner.Extensions.Hosting;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Cli;

/// <summary>The manifest as configuration: TOML keys mapped to the JSON schema's keys, data keys kept verbatim, durations.</summary>
public class ManifestParsingTests : FolderTest
{
    private const string Example = """
        [host]
        enable_wasi = true
        max_guest_memory_bytes = 67108864

        [host.regions]
        size_classes = [65536, 1048576]
        max_leased_bytes = 268435456

        [host.guest]
        push_timeout = "00:00:05"
        send_timeout = "500ms"

        [[functions]]
        name = "producer"
        path = "printer.wat"

        [[functions]]
        name = "consumer"
        path = "printer.wat"
        max_memory_bytes = 33554432
        guest = { push_timeout = "2s" }

        [functions.wasi]
        arguments = ["consumer", "--fast"]
        standard_output = "Discard"

        [functions.wasi.environment]
        LOG_LEVEL = "debug"
        REQUEST_TIMEOUT = "5s"

        [routes]
        everyone = ["consumer", "producer"]

        [shared_memory]
        enabled = true

        [shared_memory.options]
        ring_slots = 128
        peer_check_interval = "1.5s"

        [network]
        listen = "127.0.0.1:0"
        pre_shared_key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

        [network.peers]
        auditor = ["10.0.0.2:7000", "10.0.0.3:7000"]

        [network.options]
        congestion_control = ["cubic", "reno"]
        connect_timeout = "2s"
        """;

    [Test]
    public void KeysMapToTheJsonSchemaAndDataKeysStayVerbatim()
    {
        ManifestDocument manifest = ManifestDocument.Parse(Example, Path.Combine(Folder, "m.toml"));

        Assert.That(manifest.SyntaxErrors, Is.Empty);
        Dictionary<string, string?> data = manifest.Data.ToDictionary(StringComparer.Ordinal);
        Assert.Multiple(() =>
        {
            Assert.That(manifest.Data["Roadrunner:Host:Regions:SizeClasses:1"], Is.EqualTo("1048576"));
            Assert.That(manifest.Data["Roadrunner:Host:MaxGuestMemoryBytes"], Is.EqualTo("67108864"));
            Assert.That(manifest.Data["Roadrunner:Functions:1:Name"], Is.EqualTo("consumer"));
            Assert.That(manifest.Data["Roadrunner:Functions:1:Guest:PushTimeout"], Is.EqualTo("00:00:02"));
            Assert.That(manifest.Data["Roadrunner:Functions:1:Wasi:Arguments:1"], Is.EqualTo("--fast"));
            Assert.That(manifest.Data["Roadrunner:Network:PreSharedKey"], Does.StartWith("AAEC"));
            Assert.That(manifest.Data["Roadrunner:Network:Peers:auditor:1"], Is.EqualTo("10.0.0.3:7000"));
            Assert.That(manifest.Data["Roadrunner:SharedMemory:Options:RingSlots"], Is.EqualTo("128"));
            // [functions.wasi] belongs to the last [[functions]] element; its environment names are data, kept as written
            Assert.That(data.Keys, Does.Contain("Roadrunner:functions:1:wasi:environment:LOG_LEVEL"));
            Assert.That(data.Keys, Does.Contain("Roadrunner:functions:1:wasi:environment:REQUEST_TIMEOUT"));
            Assert.That(data.Keys, Does.Contain("Roadrunner:host:regions:sizeclasses:0"));
            // durations become TimeSpans where the key names a time, never in data
            Assert.That(manifest.Data["Roadrunner:Host:Guest:SendTimeout"], Is.EqualTo("00:00:00.5000000"));
            Assert.That(manifest.Data["Roadrunner:SharedMemory:Options:PeerCheckInterval"], Is.EqualTo("00:00:01.5000000"));
            Assert.That(manifest.Data["Roadrunner:Functions:1:Wasi:Environment:REQUEST_TIMEOUT"], Is.EqualTo("5s"));
        });
    }

    [Test]
    public void TheManifestBindsToTheSameOptionsAsJson()
    {
        Directory.CreateDirectory(Folder);
        File.Copy(Path.Combine(AppContext.BaseDirectory, "guests", "manifests", "printer.wat"), Path.Combine(Folder, "printer.wat"));
        ManifestDocument manifest = ManifestDocument.Parse(Example, Path.Combine(Folder, "m.toml"));

        RoadrunnerOptions options = ManifestOptions.Bind(manifest.Data, manifest.Folder);

        Assert.Multiple(() =>
        {
            Assert.That(options.Host.Regions.SizeClasses, Is.EqualTo(new[] { 65536, 1048576 }));
            Assert.That(options.Host.Guest.PushTimeout, Is.EqualTo(TimeSpan.FromSeconds(5)));
            Assert.That(options.Host.Guest.SendTimeout, Is.EqualTo(TimeSpan.FromMilliseconds(500)));
            Assert.That(options.Functions.Select(f => f.Name), Is.EqualTo(new[] { "producer", "consumer" }));
            Assert.That(options.Functions[1].Guest!.PushTimeout, Is.EqualTo(TimeSpan.FromSeconds(2)));
            Assert.That(options.Functions[1].MaxMemoryBytes, Is.EqualTo(33554432));
            Assert.That(options.Functions[1].Wasi!.Environment, Is.EquivalentTo(new Dictionary<string, string> { ["LOG_LEVEL"] = "debug", ["REQUEST_TIMEOUT"] = "5s" }));
            Assert.That(options.Functions[1].Wasi!.Arguments, Is.EqualTo(new[] { "consumer", "--fast" }));
            Assert.That(options.Functions[0].Wasi, Is.Null);
            Assert.That(options.Routes["everyone"], Is.EqualTo(new[] { "consumer", "producer" }));
            Assert.That(options.SharedMemory!.Options.RingSlots, Is.EqualTo(128));
            Assert.That(options.Network!.Peers["auditor"], Is.EqualTo(new[] { "10.0.0.2:7000", "10.0.0.3:7000" }));
            Assert.That(options.Network.Options.PreSharedKey, Has.Length.EqualTo(32));
            Assert.That(options.Network.Options.CongestionControl, Is.EqualTo(new[] { "cubic", "reno" }));
            Assert.That(options.Network.Options.ConnectTimeout, Is.EqualTo(TimeSpan.FromSeconds(2)));
        });
    }

    [Test]
    public void TablesOfArraysAndInlineArraysGiveTheSameKeys()
    {
        ManifestDocument tables = ManifestDocument.Parse("[[functions]]\nname = \"a\"\n[[functions]]\nname = \"b\"\n", "t.toml");
        ManifestDocument inline = ManifestDocument.Parse("functions = [ { name = \"a\" }, { name = \"b\" } ]\n", "i.toml");

        Assert.That(inline.Data, Is.EquivalentTo(tables.Data));
        Assert.That(tables.Data["Roadrunner:Functions:1:Name"], Is.EqualTo("b"));
    }
}
