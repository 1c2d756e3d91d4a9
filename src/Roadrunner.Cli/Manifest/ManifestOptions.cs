using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Roadrunner.Extensions.Hosting;

namespace Roadrunner.Cli.Manifest;

/// <summary>
/// Binds and validates configuration exactly as a host running it would (<c>AddRoadrunner</c>: strict binding, then
/// <c>IValidateOptions&lt;RoadrunnerOptions&gt;</c>), without starting anything, and maps every problem to its line.
/// </summary>
internal static class ManifestOptions
{
    private const string BindPrefix = "The 'Roadrunner' configuration cannot be bound: ";

    /// <summary>The bound, validated options.</summary>
    /// <exception cref="InvalidOperationException">A key is unknown or a value does not convert.</exception>
    /// <exception cref="OptionsValidationException">The options are invalid; <c>Failures</c> are <c>key: message</c>.</exception>
    public static RoadrunnerOptions Bind(IReadOnlyDictionary<string, string?> data, string contentRoot)
    {
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = contentRoot });
        builder.Configuration.AddManifest(data);
        builder.Services.AddRoadrunner(builder.Configuration);
        using IHost host = builder.Build();
        return host.Services.GetRequiredService<IOptions<RoadrunnerOptions>>().Value;
    }

    /// <summary>Every problem of the manifest, in line order: syntax errors, else binding errors and validation failures.</summary>
    public static IReadOnlyList<ManifestError> Check(ManifestDocument manifest)
    {
        if (manifest.SyntaxErrors.Count > 0)
        {
            return manifest.SyntaxErrors;
        }

        var errors = new List<ManifestError>(manifest.EmptyTables);
        var data = new Dictionary<string, string?>(manifest.Data, StringComparer.OrdinalIgnoreCase);
        if (BindError(data, manifest.Folder) is { } whole)
        {
            // The binder stops at its first error and does not say where: bind each key alone to find every bad one.
            foreach ((string key, string? value) in manifest.Data)
            {
                if (BindError(new Dictionary<string, string?> { [key] = value }, manifest.Folder) is { } error)
                {
                    errors.Add(At(manifest, key, error));
                    data.Remove(key);
                }
            }

            if (errors.Count == 0 || BindError(data, manifest.Folder) is not null)
            {
                errors.Add(At(manifest, ManifestKeys.Root, whole));
                return errors;
            }
        }

        try
        {
            _ = Bind(data, manifest.Folder);
        }
        catch (OptionsValidationException e)
        {
            errors.AddRange(ToErrors(manifest, e));
        }

        return [.. errors.OrderBy(e => e.Line)];
    }

    /// <summary>Validation failures (<c>Roadrunner:Functions:1:Path: …</c>) at their lines.</summary>
    public static IEnumerable<ManifestError> ToErrors(ManifestDocument manifest, OptionsValidationException exception) =>
        exception.Failures.Select(failure =>
        {
            int split = failure.IndexOf(": ", StringComparison.Ordinal);
            return split < 0 ? At(manifest, ManifestKeys.Root, failure) : At(manifest, failure[..split], failure[(split + 2)..]);
        });

    private static ManifestError At(ManifestDocument manifest, string key, string message)
    {
        (int line, string spelled) = manifest.Locate(key);
        return new ManifestError(line, key.Equals(ManifestKeys.Root, StringComparison.OrdinalIgnoreCase) ? "" : spelled, message);
    }

    /// <summary>What the hosting layer says when keys have no setting (it names them all; here each is bound alone).</summary>
    private const string UnknownKeysMessage = "has keys no setting takes";

    /// <summary>How the hosting layer marks a key of an earlier version; the new name follows.</summary>
    private const string RenamedMarker = " (renamed: use ";

    /// <summary>Why <paramref name="data"/> does not bind, or null when it does (validation failures do not count here).</summary>
    private static string? BindError(IReadOnlyDictionary<string, string?> data, string contentRoot)
    {
        try
        {
            _ = Bind(data, contentRoot);
            return null;
        }
        catch (OptionsValidationException)
        {
            return null;
        }
        catch (InvalidOperationException e)
        {
            string message = e.Message.StartsWith(BindPrefix, StringComparison.Ordinal) ? e.Message[BindPrefix.Length..] : e.Message;
            int renamed = message.IndexOf(RenamedMarker, StringComparison.Ordinal);
            if (renamed >= 0)
            {
                string newName = message[(renamed + RenamedMarker.Length)..];
                return $"renamed: the key is now '{ManifestKeys.SnakeCase(newName[..newName.IndexOf(')', StringComparison.Ordinal)])}' (see docs/manifest.md)";
            }

            return message.Contains("were not found on the instance of", StringComparison.Ordinal) || message.Contains(UnknownKeysMessage, StringComparison.Ordinal)
                ? "unknown key (see docs/manifest.md for the keys a manifest has)"
                : message;
        }
    }
}
