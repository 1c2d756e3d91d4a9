using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Roadrunner.Cli.Manifest;

/// <summary>
/// The mapping between TOML keys and configuration keys (docs/manifest.md): a schema key drops its underscores
/// (<c>pre_shared_key_file</c> → <c>presharedkeyfile</c>, matched case-insensitively against <c>PreSharedKeyFile</c>);
/// a key that is data (a route name, a peer name, an environment variable) is kept verbatim.
/// </summary>
internal static partial class ManifestKeys
{
    /// <summary>The configuration section the manifest fills.</summary>
    public const string Root = "Roadrunner";

    /// <summary>The configuration key of the child <paramref name="tomlKey"/> of <paramref name="parent"/>.</summary>
    public static string Child(string parent, string tomlKey) =>
        parent + ConfigurationPathSeparator + (IsDataTable(parent) ? tomlKey : tomlKey.Replace("_", "", StringComparison.Ordinal));

    /// <summary>True when the keys under <paramref name="configurationKey"/> are names, not settings.</summary>
    public static bool IsDataTable(string configurationKey) => DataTable().IsMatch(configurationKey);

    /// <summary>
    /// The value as configuration takes it: a duration such as <c>5s</c>, <c>500ms</c>, <c>2m</c> or <c>1h</c> becomes
    /// <c>hh:mm:ss.fffffff</c> when the key names a time (…Timeout, …Delay, …Interval, …Time, …Wait, …Period) and is
    /// not data (an environment variable keeps its value as written).
    /// </summary>
    public static string Value(string configurationKey, string value)
    {
        int colon = configurationKey.LastIndexOf(':');
        if (!TimeKey().IsMatch(configurationKey) || (colon > 0 && IsDataTable(configurationKey[..colon])) || Duration().Match(value) is not { Success: true } match)
        {
            return value;
        }

        double amount = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        TimeSpan span = match.Groups[2].Value switch
        {
            "ms" => TimeSpan.FromMilliseconds(amount),
            "s" => TimeSpan.FromSeconds(amount),
            "m" => TimeSpan.FromMinutes(amount),
            _ => TimeSpan.FromHours(amount),
        };
        return span.ToString("c", CultureInfo.InvariantCulture);
    }

    /// <summary>How a configuration key reads in the manifest: <c>Roadrunner:Functions:1:PreSharedKeyFile</c> → <c>functions[1].pre_shared_key_file</c>.</summary>
    /// <param name="configurationKey">The key, under <see cref="Root"/>.</param>
    /// <param name="known">TOML spellings of keys the manifest has (they keep the author's spelling).</param>
    public static string ToToml(string configurationKey, IReadOnlyDictionary<string, string> known)
    {
        string[] segments = configurationKey.Split(ConfigurationPathSeparator);
        var text = new StringBuilder();
        string parent = segments[0];
        for (int i = 1; i < segments.Length; i++)
        {
            string key = parent + ConfigurationPathSeparator + segments[i];
            if (known.TryGetValue(key, out string? spelled))
            {
                text.Clear().Append(spelled);
            }
            else if (int.TryParse(segments[i], NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                text.Append('[').Append(segments[i]).Append(']');
            }
            else
            {
                text.Append(text.Length == 0 ? "" : ".").Append(IsDataTable(parent) ? segments[i] : SnakeCase(segments[i]));
            }

            parent = key;
        }

        return text.Length == 0 ? "(manifest)" : text.ToString();
    }

    /// <summary><c>PreSharedKeyFile</c> → <c>pre_shared_key_file</c>.</summary>
    public static string SnakeCase(string name)
    {
        var text = new StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1])))
            {
                text.Append('_');
            }

            text.Append(char.ToLowerInvariant(name[i]));
        }

        return text.ToString();
    }

    private const char ConfigurationPathSeparator = ':';

    [GeneratedRegex(@"^Roadrunner:(Routes|Network:Peers|Functions:\d+:Wasi:Environment)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DataTable();

    [GeneratedRegex(@"(Timeout|Delay|Interval|Time|Wait|Period)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex TimeKey();

    [GeneratedRegex(@"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex Duration();
}
