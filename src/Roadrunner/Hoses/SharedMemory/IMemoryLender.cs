using System.Diagnostics.CodeAnalysis;

namespace Roadrunner.Hoses.SharedMemory;

/// <summary>
/// Finds the memory file that holds a payload a sender is about to copy, so the shared-memory transport can lend that
/// memory to the receiver instead (a direct read: one copy between the two guests). The Wasm layer lends guest
/// memories kept in files; without a lender every payload is copied into a region.
/// </summary>
internal interface IMemoryLender
{
    /// <summary>The live memory file that holds all of <paramref name="bytes"/>, and where they start in it; false for any other bytes.</summary>
    bool TryFind(ReadOnlySpan<byte> bytes, [NotNullWhen(true)] out ILendableMemory? memory, out long offset);
}

/// <summary>A memory kept in a file that a receiver in another process may map read-only.</summary>
internal interface ILendableMemory
{
    /// <summary>True once the memory is gone (its file and links are deleted).</summary>
    bool IsDisposed { get; }

    /// <summary>Current size in bytes (the file's size).</summary>
    long Size { get; }

    /// <summary>Gives the file a second name (in an endpoint's region naming); false when that is impossible.</summary>
    bool TryLink(string linkPath);

    /// <summary>
    /// A receiver may still be reading [<paramref name="offset"/>, +<paramref name="length"/>) from the file although
    /// the sender gave up on it: from now on the memory's own writes there must stay out of the file (and the range is
    /// never lent again), so nothing the sender writes next can show in that receiver's payload.
    /// </summary>
    void Detach(long offset, long length);
}
