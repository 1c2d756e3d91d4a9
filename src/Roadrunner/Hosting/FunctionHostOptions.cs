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

    /// <summary>
    /// Keep every guest's linear memory in a file of the region folder, so that a cross-process hose's receiver reads
    /// a large payload straight out of the sending guest: one copy between the two guests instead of two (see
    /// <c>SharedMemoryOptions.DirectReadThreshold</c>). Linux only; only with an engine the host creates. Costs a
    /// file per guest instance and makes data segments copy on instantiation instead of mapping copy-on-write.
    /// Also what zero-copy hops need (guest ABI version 2: a receiver maps a sender's pages instead of copying, see
    /// docs/zero-copy.md, which says why this is not the default). Default: false.
    /// </summary>
    public bool GuestMemoryInFiles { get; set; }

    /// <summary>Largest linear memory one guest may grow to, in bytes; null for Wasmtime's limit. Default: null.</summary>
    public long? MaxGuestMemoryBytes { get; set; }
}
