using System.Net;
using Microsoft.Extensions.Options;
using Roadrunner.Hoses.Network;

namespace Roadrunner.Extensions.Hosting;

/// <summary>
/// Checks <see cref="RoadrunnerOptions"/> at start and names the configuration key of every problem
/// (<c>Roadrunner:Functions:1:Path: …</c>), so a bad file fails the host before anything runs.
/// </summary>
internal sealed class RoadrunnerOptionsValidator(string contentRoot) : IValidateOptions<RoadrunnerOptions>
{
    private const string Root = RoadrunnerOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, RoadrunnerOptions options)
    {
        var errors = new List<string>();
        void Fail(string key, string message) => errors.Add($"{key}: {message}");

        Check(errors, $"{Root}:Host:Regions", () => options.Host.Regions.ValidatedSizeClasses());
        var functions = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < options.Functions.Count; i++)
        {
            RoadrunnerFunction function = options.Functions[i];
            string key = $"{Root}:Functions:{i}";
            if (FunctionName.Check(function.Name) is { } badName)
            {
                Fail($"{key}:Name", badName);
            }
            else if (!functions.Add(function.Name))
            {
                Fail($"{key}:Name", $"'{function.Name}' is loaded twice");
            }

            if (string.IsNullOrWhiteSpace(function.Path))
            {
                Fail($"{key}:Path", "a module file (.wasm or .wat) is required");
            }
            else if (!File.Exists(Path.Combine(contentRoot, function.Path)))
            {
                Fail($"{key}:Path", $"'{function.Path}' does not exist (relative paths start at '{contentRoot}')");
            }

            foreach ((int j, Roadrunner.Hosting.WasiPreopenedDirectory folder) in (function.Wasi?.PreopenedDirectories ?? []).Index())
            {
                if (!Directory.Exists(Path.Combine(contentRoot, folder.HostPath)))
                {
                    Fail($"{key}:Wasi:PreopenedDirectories:{j}:HostPath", $"the folder '{folder.HostPath}' does not exist");
                }
            }
        }

        foreach ((string route, string[] targets) in options.Routes)
        {
            string key = $"{Root}:Routes:{route}";
            if (FunctionName.Check(route) is { } badName)
            {
                Fail(key, badName);
            }
            else if (functions.Contains(route))
            {
                Fail(key, $"'{route}' is also a function's name");
            }

            if (targets.Length == 0)
            {
                Fail(key, "a route needs at least one target");
            }

            foreach (string target in targets.Where(t => !functions.Contains(t)))
            {
                Fail(key, $"'{target}' is not a function in Roadrunner:Functions");
            }
        }

        if (options.SharedMemory is { Enabled: true } shm)
        {
            Check(errors, $"{Root}:SharedMemory:Options", shm.Options.Validate);
        }

        if (options.Network is { Enabled: true } network)
        {
            ValidateNetwork(network, errors);
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private void ValidateNetwork(RoadrunnerNetwork network, List<string> errors)
    {
        string key = $"{Root}:Network";
        if (!IPEndPoint.TryParse(network.Listen, out _))
        {
            errors.Add($"{key}:Listen: '{network.Listen}' is not ip:port");
        }

        try
        {
            _ = PreSharedKey.Load(network, contentRoot); // loaded into Options by RoadrunnerOptionsSetup; this names why it failed
        }
        catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
        {
            errors.Add($"{key}:{(network.PreSharedKeyFile is null ? "PreSharedKey" : "PreSharedKeyFile")}: {e.Message}");
        }

        foreach ((string peer, string[] endpoints) in network.Peers)
        {
            if (FunctionName.Check(peer) is { } badName)
            {
                errors.Add($"{key}:Peers:{peer}: {badName}");
            }

            foreach (string endpoint in endpoints)
            {
                try
                {
                    _ = StaticResolver.ParseEndPoint(endpoint);
                }
                catch (FormatException e)
                {
                    errors.Add($"{key}:Peers:{peer}: {e.Message}");
                }
            }
        }

        if (network.Dns is { } dns)
        {
            if (network.Peers.Count > 0)
            {
                errors.Add($"{key}:Dns: not with Peers (one resolver per node: DNS SRV records or a static list)");
            }

            Check(errors, $"{key}:Dns", dns.Validate);
        }

        if (network.Options.PreSharedKey is null && network.PreSharedKey is null && network.PreSharedKeyFile is null && !network.Options.AllowUnauthenticatedWithTls)
        {
            // Say where the key goes (not the option class inside), and how to make one.
            errors.Add($"{key}:PreSharedKeyFile: a pre-shared key is required: PreSharedKeyFile (a file of random bytes, e.g. `head -c 32 /dev/urandom > node.key`) or PreSharedKey (base64); the same key on every node");
            return;
        }

        Check(errors, $"{key}:Options", network.Options.Validate);
    }

    /// <summary>Runs a core validation and turns its exception into a message under <paramref name="key"/>.</summary>
    private static void Check(List<string> errors, string key, Action validate)
    {
        try
        {
            validate();
        }
        catch (ArgumentException e)
        {
            string message = e.ParamName is { } parameter ? e.Message.Replace($" (Parameter '{parameter}')", "", StringComparison.Ordinal) : e.Message;
            errors.Add($"{key}{(e.ParamName is null ? "" : ":" + e.ParamName)}: {message}");
        }
    }

    private static void Check(List<string> errors, string key, Func<object> validate) => Check(errors, key, () => { _ = validate(); });
}
