using Microsoft.Extensions.Configuration;

namespace Roadrunner.Cli.Manifest;

/// <summary>A manifest as a configuration source: its keys under <c>Roadrunner</c>, the same schema as the JSON section.</summary>
internal sealed class ManifestConfigurationSource(IReadOnlyDictionary<string, string?> data) : IConfigurationSource
{
    public IConfigurationProvider Build(IConfigurationBuilder builder) => new Provider(data);

    private sealed class Provider(IReadOnlyDictionary<string, string?> data) : ConfigurationProvider
    {
        public override void Load() => Data = new Dictionary<string, string?>(data, StringComparer.OrdinalIgnoreCase);
    }
}

/// <summary>Adds a manifest's keys to a configuration.</summary>
internal static class ManifestConfigurationExtensions
{
    public static IConfigurationBuilder AddManifest(this IConfigurationBuilder builder, IReadOnlyDictionary<string, string?> data) =>
        builder.Add(new ManifestConfigurationSource(data));
}
