namespace Roadrunner.Hosting;

/// <summary>What one guest sees through WASI preview 1: environment, arguments, preopened folders, and where its output goes.</summary>
public sealed class WasiOptions
{
    /// <summary>Environment variables the guest sees (none of the host's are passed on). Default: empty.</summary>
    public IDictionary<string, string> Environment { get; set; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The guest's command-line arguments, <c>argv[0]</c> first. Default: empty.</summary>
    public IList<string> Arguments { get; set; } = [];

    /// <summary>Host folders the guest may open, each under a path of its own. Default: none.</summary>
    public IList<WasiPreopenedDirectory> PreopenedDirectories { get; set; } = [];

    /// <summary>Where the guest's stdout goes. Default: <see cref="GuestOutput.Log"/>.</summary>
    public GuestOutput StandardOutput { get; set; } = GuestOutput.Log;

    /// <summary>Where the guest's stderr goes. Default: <see cref="GuestOutput.Log"/>.</summary>
    public GuestOutput StandardError { get; set; } = GuestOutput.Log;
}

/// <summary>A host folder a guest may open through WASI.</summary>
public sealed class WasiPreopenedDirectory
{
    /// <summary>The folder on the host; it must exist.</summary>
    public string HostPath { get; set; } = "";

    /// <summary>The path the guest opens it by, e.g. <c>/data</c>.</summary>
    public string GuestPath { get; set; } = "";

    /// <summary>When true (the default), the guest may only read; when false it may also create, write and delete.</summary>
    public bool ReadOnly { get; set; } = true;
}

/// <summary>Where a guest's stdout or stderr goes.</summary>
public enum GuestOutput
{
    /// <summary>Each line becomes a log entry of the host's logger (category <c>Roadrunner.Guest</c>; stdout at Information, stderr at Warning), with the function's name as a field.</summary>
    Log,

    /// <summary>Written to this process's own stdout or stderr.</summary>
    Inherit,

    /// <summary>Dropped.</summary>
    Discard,
}
