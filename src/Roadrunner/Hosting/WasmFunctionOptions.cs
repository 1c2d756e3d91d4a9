using Roadrunner.Wasm;

namespace Roadrunner.Hosting;

/// <summary>Settings of one function loaded by a <see cref="FunctionHost"/>; what is left null falls back to the host's.</summary>
public sealed class WasmFunctionOptions
{
    /// <summary>Limits of this guest (push time limit, send timeout, inbox). Default: null, the host's <see cref="FunctionHostOptions.Guest"/>.</summary>
    public RoadrunnerGuestOptions? Guest { get; set; }

    /// <summary>Largest linear memory this guest may grow to, in bytes. Default: null, the host's <see cref="FunctionHostOptions.MaxGuestMemoryBytes"/>.</summary>
    public long? MaxMemoryBytes { get; set; }

    /// <summary>
    /// This guest's WASI environment, arguments, folders and output. Default: null: no environment, arguments or
    /// folders; output inherited when <see cref="FunctionHostOptions.InheritStandardOutput"/> is set, else logged.
    /// Ignored when the host's <see cref="FunctionHostOptions.EnableWasi"/> is off.
    /// </summary>
    public WasiOptions? Wasi { get; set; }
}
