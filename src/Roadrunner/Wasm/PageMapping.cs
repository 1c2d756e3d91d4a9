using Roadrunner.Regions;

namespace Roadrunner.Wasm;

/// <summary>
/// Maps a payload's regions over a window of a guest memory kept in a file: chunk after chunk, each from the start of
/// its region file, in whole pages. Chunks before the last must hold whole pages (so the next one starts on a page)
/// and no chunk may map past its file (touching a page past the end of a file raises SIGBUS).
/// </summary>
internal static class PageMapping
{
    /// <summary>The kernel's page size: the unit of every mapping.</summary>
    public static nuint PageSize { get; } = (nuint)Environment.SystemPageSize;

    /// <summary><paramref name="value"/> rounded up to a multiple of <paramref name="granule"/> (a power of two).</summary>
    public static ulong RoundUp(ulong value, ulong granule) => (value + granule - 1) & ~(granule - 1);

    /// <summary>True when the payload's chunks can be mapped one after the other into a window.</summary>
    public static bool CanMap(RegionPayload payload)
    {
        RegionPayload.Chunk[] chunks = payload.Chunks;
        for (int i = 0; i < chunks.Length; i++)
        {
            ulong length = (ulong)chunks[i].Length;
            bool last = i == chunks.Length - 1 || chunks[i + 1].Length == 0;
            if ((!last && length % PageSize != 0) || RoundUp(length, PageSize) > (ulong)chunks[i].Region.Length)
            {
                return false;
            }

            if (last)
            {
                break;
            }
        }

        return payload.Length > 0;
    }

    /// <summary>
    /// Opens a window of the payload's length in whole pages at <paramref name="offset"/> of <paramref name="memory"/>
    /// and maps the payload there; returns the window's length. On failure the memory's own pages are back.
    /// </summary>
    /// <param name="memory">The guest memory.</param>
    /// <param name="offset">Where the window starts (page-aligned).</param>
    /// <param name="payload">Regions that <see cref="CanMap"/> accepted.</param>
    /// <param name="copyOnWrite">Private mapping (a receiver) rather than shared (a sender writing into the regions).</param>
    /// <exception cref="IOException">The kernel refused a mapping.</exception>
    public static nuint Map(GuestMemoryFile memory, nuint offset, RegionPayload payload, bool copyOnWrite)
    {
        nuint length = (nuint)RoundUp((ulong)payload.Length, PageSize);
        memory.OpenWindow(offset, length);
        try
        {
            nuint at = offset;
            foreach (RegionPayload.Chunk chunk in payload.Chunks)
            {
                if (chunk.Length == 0)
                {
                    break;
                }

                nuint size = (nuint)RoundUp((ulong)chunk.Length, PageSize);
                memory.MapOver(at, size, chunk.Region.File.SafeFileHandle, copyOnWrite);
                at += size;
            }
        }
        catch
        {
            memory.CloseWindow(offset, length);
            throw;
        }

        return length;
    }
}
