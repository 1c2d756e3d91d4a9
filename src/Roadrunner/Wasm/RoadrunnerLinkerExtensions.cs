using Wasmtime;

namespace Roadrunner.Wasm;

/// <summary>Adds the Roadrunner guest ABI (import module <c>roadrunner</c>, see docs/guest-abi.md) to a Wasmtime linker.</summary>
public static class RoadrunnerLinkerExtensions
{
    /// <summary>The import module name guests use.</summary>
    public const string ModuleName = "roadrunner";

    /// <summary>
    /// Defines <c>open</c>, <c>close</c>, <c>send</c>, <c>try_send</c>, <c>next_length</c>, <c>receive</c>,
    /// <c>receive_wait</c> and (ABI version 2) <c>abi_version</c>, <c>claim</c>, <c>commit</c>, <c>abort</c>,
    /// <c>receive_window</c>, <c>receive_window_wait</c> and <c>release</c>. Instances must be created in a <see cref="Store"/> whose data is their
    /// <see cref="RoadrunnerGuest"/>; otherwise every import answers <c>RR_INTERNAL</c>.
    /// </summary>
    /// <param name="linker">The linker to extend.</param>
    /// <returns>The same linker.</returns>
    public static Linker DefineRoadrunner(this Linker linker)
    {
        ArgumentNullException.ThrowIfNull(linker);
        linker.DefineFunction(ModuleName, "open", (CallerFunc<int, int, int>)HoseImports.Open);
        linker.DefineFunction(ModuleName, "close", (CallerFunc<int, int>)HoseImports.Close);
        linker.DefineFunction(ModuleName, "send", (CallerFunc<int, int, int, int>)HoseImports.Send);
        linker.DefineFunction(ModuleName, "try_send", (CallerFunc<int, int, int, int>)HoseImports.TrySend);
        linker.DefineFunction(ModuleName, "next_length", (CallerFunc<int>)HoseImports.NextLength);
        linker.DefineFunction(ModuleName, "receive", (CallerFunc<int, int, int>)HoseImports.Receive);
        linker.DefineFunction(ModuleName, "receive_wait", (CallerFunc<int, int, int, int>)HoseImports.ReceiveWait);
        linker.DefineFunction(ModuleName, "abi_version", (CallerFunc<int>)ClaimImports.Version);
        linker.DefineFunction(ModuleName, "claim", (CallerFunc<int, int, int, int>)ClaimImports.Claim);
        linker.DefineFunction(ModuleName, "commit", (CallerFunc<int, int, int, int>)ClaimImports.Commit);
        linker.DefineFunction(ModuleName, "abort", (CallerFunc<int, int, int>)ClaimImports.Abort);
        linker.DefineFunction(ModuleName, "receive_window", (CallerFunc<int, int, int>)ReceiveWindowImports.ReceiveWindow);
        linker.DefineFunction(ModuleName, "release", (CallerFunc<int, int>)ReceiveWindowImports.Release);
        linker.DefineFunction(ModuleName, "receive_window_wait", (CallerFunc<int, int, int, int>)ReceiveWindowImports.ReceiveWindowWait);
        return linker;
    }
}
