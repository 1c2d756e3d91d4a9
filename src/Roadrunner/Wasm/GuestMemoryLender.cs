using System.Diagnostics.CodeAnalysis;
using Roadrunner.Hoses.SharedMemory;

namespace Roadrunner.Wasm;

/// <summary>Lends the guest memories kept in files (<see cref="GuestMemoryFile"/>) to the shared-memory transport for direct reads.</summary>
internal sealed class GuestMemoryLender : IMemoryLender
{
    /// <summary>The lender of every live guest memory file in this process.</summary>
    public static readonly GuestMemoryLender Instance = new();

    private GuestMemoryLender()
    {
    }

    /// <inheritdoc />
    public bool TryFind(ReadOnlySpan<byte> bytes, [NotNullWhen(true)] out ILendableMemory? memory, out long offset)
    {
        bool found = GuestMemoryFile.TryFind(bytes, out GuestMemoryFile? file, out offset);
        memory = file;
        return found;
    }
}
