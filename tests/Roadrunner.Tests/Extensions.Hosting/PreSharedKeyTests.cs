using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Roadrunner.Extensions.Hosting;

namespace Roadrunner.Tests.Extensions.Hosting;

/// <summary>The network key comes from configuration or from a file, and is never logged.</summary>
public class PreSharedKeyTests : HostedNodeTest
{
    private static readonly byte[] Key = [.. Enumerable.Range(100, 32).Select(i => (byte)i)];

    [Test]
    public async Task AKeyFileOfRawBytesIsUsedAsItIs()
    {
        string file = WriteKey(Key);

        byte[]? loaded = await StartAndReadKey($$"""{ "PreSharedKeyFile": {{Json(file)}} }""");

        Assert.That(loaded, Is.EqualTo(Key));
    }

    [Test]
    public async Task AKeyFileOfBase64TextIsDecoded()
    {
        string file = WriteKey(System.Text.Encoding.ASCII.GetBytes(Convert.ToBase64String(Key) + "\n"));

        byte[]? loaded = await StartAndReadKey($$"""{ "PreSharedKeyFile": {{Json(file)}} }""");

        Assert.That(loaded, Is.EqualTo(Key));
    }

    [Test]
    public void BothAKeyAndAKeyFileAreRefused()
    {
        string file = WriteKey(Key);
        using IHost host = BuildHost($$"""{ "Roadrunner": { "Network": { "PreSharedKey": "{{Convert.ToBase64String(Key)}}", "PreSharedKeyFile": {{Json(file)}} } } }""");

        var error = Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.That(error!.Failures, Has.Some.Contains("not both"));
    }

    [Test]
    public async Task TheKeyIsNeverLogged()
    {
        string base64 = Convert.ToBase64String(Key);
        using IHost host = BuildHost($$"""{ "Roadrunner": { "Network": { "PreSharedKey": "{{base64}}", "Peers": { "far": [ "127.0.0.1:1" ] } } } }""");
        await host.StartAsync(Ct);
        RoadrunnerOptions options = host.Services.GetRequiredService<IOptions<RoadrunnerOptions>>().Value;
        await host.StopAsync(Ct);

        Assert.That(Logs, Is.Not.Empty);
        Assert.That(Logs.Select(l => l.Message), Has.None.Contains(base64));
        Assert.That(options.Network!.ToString(), Does.Not.Contain(base64).And.Contains("Key=set"));
    }

    private async Task<byte[]?> StartAndReadKey(string network)
    {
        using IHost host = BuildHost($$"""{ "Roadrunner": { "Network": {{network}} } }""");
        await host.StartAsync(Ct);
        byte[]? key = host.Services.GetRequiredService<IOptions<RoadrunnerOptions>>().Value.Network!.Options.PreSharedKey;
        await host.StopAsync(Ct);
        return key;
    }

    private string WriteKey(byte[] bytes)
    {
        string path = WriteModule("key", "") + ".key";
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
