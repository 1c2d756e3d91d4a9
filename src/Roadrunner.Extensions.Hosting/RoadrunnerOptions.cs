using Roadrunner.Hosting;

namespace Roadrunner.Extensions.Hosting;

/// <summary>
/// Everything a Roadrunner node runs, as bound from the configuration section <c>Roadrunner</c> (docs/hosting.md):
/// <c>{ "Host": {...}, "Functions": [...], "Routes": {...}, "SharedMemory": {...}, "Network": {...} }</c>.
/// </summary>
public sealed class RoadrunnerOptions
{
    /// <summary>The configuration section this is bound from by default.</summary>
    public const string SectionName = "Roadrunner";

    /// <summary>The function host's settings (region pool, guest limits, WASI on/off). Default: the host's defaults.</summary>
    public FunctionHostOptions Host { get; set; } = new();

    /// <summary>The functions to load, in order. Default: none.</summary>
    public IList<RoadrunnerFunction> Functions { get; set; } = [];

    /// <summary>Fan-out routes: a name that delivers every payload to each of the named functions. Default: none.</summary>
    public IDictionary<string, string[]> Routes { get; set; } = new Dictionary<string, string[]>(StringComparer.Ordinal);

    /// <summary>The cross-process endpoint on this machine; null (the default) leaves it off.</summary>
    public RoadrunnerSharedMemory? SharedMemory { get; set; }

    /// <summary>The network endpoint; null (the default) leaves it off.</summary>
    public RoadrunnerNetwork? Network { get; set; }
}
