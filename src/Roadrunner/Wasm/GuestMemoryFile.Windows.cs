using System.Runtime.InteropServices;
using Roadrunner.Regions;

namespace Roadrunner.Wasm;

/// <summary>
/// Windows: page ranges of the memory over which another file (a region) is mapped for a while, then the memory's own
/// file again. Every change holds the memory's lock and checks it is not disposed, because once Wasmtime frees the
/// memory its address range is unmapped and a fixed mapping there would land on whatever the process maps next.
/// Detached ranges: pages a receiver in another process may still be reading after their sender gave up on it; they
/// stay mapped copy-on-write over the memory's own file for the memory's life, so the guest's writes never reach it.
/// </summary>
internal sealed unsafe partial class GuestMemoryFile
{
    private (nuint Offset, nuint Length)[] _windows = [];
    private (nuint Offset, nuint Length)[] _detached = [];

    /// <summary>The memory's own open file: what a receiver maps to read a payload straight out of this memory.</summary>
    public SafeHandle Handle => _file.SafeFileHandle;

    /// <summary>
    /// Maps <paramref name="length"/> bytes of <paramref name="file"/> from <paramref name="fileOffset"/> at
    /// <paramref name="offset"/> of this memory, shared (the guest writes into the file) or copy-on-write (its writes
    /// stay private); the range must lie in a window opened with <see cref="OpenWindow"/>.
    /// </summary>
    public void MapOver(nuint offset, nuint length, SafeHandle file, long fileOffset, bool copyOnWrite)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!InsideWindow(offset, length))
            {
                throw new ArgumentOutOfRangeException(nameof(offset), $"[{offset}, +{length}) is not inside an open window.");
            }

            if (copyOnWrite)
            {
                MemoryMapping.MapFileCopyOnWriteAt(Start + offset, length, file, fileOffset);
            }
            else
            {
                MemoryMapping.MapFilePopulatedAt(Start + offset, length, file, fileOffset); // the guest is about to write it all
            }
        }
    }

    /// <summary>
    /// True when the file holds what the guest sees at [offset, offset+length): no window and no detached range
    /// touches it, so its file pages may be lent, mapped or sent for those bytes.
    /// </summary>
    public bool InFile(nuint offset, nuint length) => !Overlaps(Volatile.Read(ref _windows), offset, length) && !Overlaps(Volatile.Read(ref _detached), offset, length);

    /// <summary>
    /// Maps the memory's own file copy-on-write over the pages of [offset, +length) that are not in a window (they
    /// show the same bytes, and the guest's next writes there stay private) and records them as detached: from now on
    /// <see cref="InFile"/> is false there, so those bytes are copied, never lent, mapped or sent from the file.
    /// </summary>
    /// <exception cref="IOException">The kernel refused the mapping: nothing changed.</exception>
    public void Detach(long offset, long length)
    {
        lock (_gate)
        {
            nuint page = (nuint)Environment.SystemPageSize;
            nuint start = (nuint)offset / page * page;
            nuint end = Math.Min(((nuint)offset + (nuint)length + page - 1) / page * page, _size);
            if (_disposed || offset < 0 || length <= 0 || start >= end || Overlaps(_windows, start, end - start))
            {
                return; // a window's pages are not the file's anyway
            }

            MemoryMapping.MapFileCopyOnWriteAt(Start + start, end - start, _file.SafeFileHandle, (long)start);
            Volatile.Write(ref _detached, [.. _detached, (start, end - start)]);
        }
    }

    /// <summary>Records a window: page-aligned, inside the current size, overlapping no other and no detached range.</summary>
    public void OpenWindow(nuint offset, nuint length)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            nuint page = (nuint)Environment.SystemPageSize;
            if (offset % page != 0 || length % page != 0 || length == 0 || offset + length > _size || offset + length < offset || !InFile(offset, length))
            {
                throw new ArgumentOutOfRangeException(nameof(offset), $"[{offset}, +{length}) cannot be a window of a memory of {_size} bytes.");
            }

            Volatile.Write(ref _windows, [.. _windows, (offset, length)]);
        }
    }

    /// <summary>
    /// Maps the memory's own file back over the window (with this memory's own descriptor: a second descriptor of the
    /// same file would leave the mapping split in pieces) and forgets it. Nothing to do once the memory is gone.
    /// </summary>
    /// <exception cref="IOException">The kernel refused the mapping: the window still shows what was mapped there.</exception>
    public void CloseWindow(nuint offset, nuint length)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            MemoryMapping.MapFileAt(Start + offset, length, MemoryMapping.ProtectReadWrite, _file.SafeFileHandle, (long)offset);
            Volatile.Write(ref _windows, [.. _windows.Where(w => w != (offset, length))]);
        }
    }

    /// <summary>True when [offset, offset+length) touches one of <paramref name="ranges"/>.</summary>
    private static bool Overlaps((nuint Offset, nuint Length)[] ranges, nuint offset, nuint length)
    {
        foreach ((nuint start, nuint size) in ranges)
        {
            if (offset < start + size && start < offset + length)
            {
                return true;
            }
        }

        return false;
    }

    private bool InsideWindow(nuint offset, nuint length)
    {
        foreach ((nuint start, nuint size) in _windows)
        {
            if (offset >= start && offset + length <= start + size)
            {
                return true;
            }
        }

        return false;
    }
}
