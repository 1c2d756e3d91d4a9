using Roadrunner.Hoses;
using Roadrunner.Regions;

namespace Roadrunner.Wasm;

/// <summary>
/// Maps a payload's file pages over a window of a guest memory kept in a file: piece after piece (the chunks of a
/// region payload, or one range of a sender's memory file), in whole pages. Pieces before the last must hold whole
/// pages (so the next one starts on a page), and no piece may map past its file (touching a page past the end of a
/// file raises SIGBUS).
/// </summary>
internal static class PageMapping
{
    /// <summary>The kernel's page size: the unit of every mapping.</summary>
    public static nuint PageSize { get; } = (nuint)Environment.SystemPageSize;

    /// <summary><paramref name="value"/> rounded up to a multiple of <paramref name="granule"/> (a power of two).</summary>
    public static ulong RoundUp(ulong value, ulong granule) => (value + granule - 1) & ~(granule - 1);

    /// <summary>The file pages of a region payload, or null when its chunks cannot be mapped one after the other.</summary>
    public static FilePages[]? PiecesOf(RegionPayload payload)
    {
        RegionPayload.Chunk[] chunks = payload.Chunks;
        int count = 0;
        while (count < chunks.Length && chunks[count].Length > 0)
        {
            count++;
        }

        var pieces = new FilePages[count];
        for (int i = 0; i < count; i++)
        {
            ulong length = (ulong)chunks[i].Length;
            if ((i < count - 1 && length % PageSize != 0) || RoundUp(length, PageSize) > (ulong)chunks[i].Region.Length)
            {
                return null;
            }

            pieces[i] = new FilePages(chunks[i].Region.File.SafeFileHandle, 0, chunks[i].Length);
        }

        return count == 0 ? null : pieces;
    }

    /// <summary>
    /// Opens a window of <paramref name="length"/> bytes in whole pages at <paramref name="offset"/> of
    /// <paramref name="memory"/> and maps the pieces there; returns the window's length. A copy-on-write (receiver's)
    /// window reads zero past the payload in its last page, whatever the file held there. On failure the memory's own
    /// pages are back.
    /// </summary>
    /// <param name="memory">The guest memory.</param>
    /// <param name="offset">Where the window starts (page-aligned).</param>
    /// <param name="pieces">File pages, in payload order, each starting on a page of its file.</param>
    /// <param name="length">The payload's length (the pieces' sum).</param>
    /// <param name="copyOnWrite">Private mapping (a receiver) rather than shared (a sender writing into regions).</param>
    /// <exception cref="IOException">The kernel refused a mapping.</exception>
    public static unsafe nuint Map(GuestMemoryFile memory, nuint offset, ReadOnlySpan<FilePages> pieces, long length, bool copyOnWrite)
    {
        nuint window = (nuint)RoundUp((ulong)length, PageSize);
        memory.OpenWindow(offset, window);
        try
        {
            nuint at = offset;
            foreach (FilePages piece in pieces)
            {
                nuint size = (nuint)RoundUp((ulong)piece.Length, PageSize);
                memory.MapOver(at, size, piece.File!, piece.Offset, copyOnWrite);
                at += size;
            }
        }
        catch
        {
            memory.CloseWindow(offset, window);
            throw;
        }

        if (copyOnWrite)
        {
            new Span<byte>(memory.Start + offset + (nuint)length, (int)(window - (nuint)length)).Clear(); // in the private copy
        }

        return window;
    }
}
