using Roadrunner.Hosting;
using Roadrunner.Wasm;

namespace Roadrunner.Extensions.Hosting;

/// <summary>One function to load: its name, its module file and its own settings.</summary>
public sealed class RoadrunnerFunction
{
    /// <summary>
    /// The name other functions open to reach it: a DNS label (1–63 characters of <c>a-z</c>, <c>0-9</c> and <c>-</c>,
    /// not starting or ending with <c>-</c>; RFC 1123), so the same name works across processes, nodes and cluster DNS.
    /// </summary>
    public string Name { get; set; } = "";

    /// <summary>The module: a <c>.wasm</c> or <c>.wat</c> file; a relative path is taken from the content root.</summary>
    public string Path { get; set; } = "";

    /// <summary>Limits of this guest; null for the host's <see cref="FunctionHostOptions.Guest"/>.</summary>
    public RoadrunnerGuestOptions? Guest { get; set; }

    /// <summary>Largest linear memory of this guest, in bytes; null for the host's limit.</summary>
    public long? MaxMemoryBytes { get; set; }

    /// <summary>This guest's WASI environment, arguments, folders and output; null for the defaults (output logged).</summary>
    public WasiOptions? Wasi { get; set; }

    internal WasmFunctionOptions ToLoadOptions() => new() { Guest = Guest, MaxMemoryBytes = MaxMemoryBytes, Wasi = Wasi };
}
