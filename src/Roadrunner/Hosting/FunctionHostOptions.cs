using Roadrunner.Regions;
using Roadrunner.Wasm;

namespace Roadrunner.Hosting;

/// <summary>Settings of a <see cref="FunctionHost"/>.</summary>
public sealed class FunctionHostOptions
{
    /// <summary>The region pool's settings.</summary>
    public RegionPoolOptions Regions { get; set; } = new();

    /// <summary>Limits applied to every guest.</summary>
    public RoadrunnerGuestOptions Guest { get; set; } = new();

    /// <summary>Define the WASI preview 1 imports too (guests built for <c>wasm32-wasi</c> may need them). Default: true.</summary>
    public bool EnableWasi { get; set; } = true;

    /// <summary>Let guests write to this process's stdout and stderr through WASI. Default: false.</summary>
    public bool InheritStandardOutput { get; set; }

    /// <summary>Largest linear memory one guest may grow to, in bytes; null for Wasmtime's limit. Default: null.</summary>
    public long? MaxGuestMemoryBytes { get; set; }
}
