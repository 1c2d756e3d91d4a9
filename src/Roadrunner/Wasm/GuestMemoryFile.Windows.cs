using System.Runtime.InteropServices;
using Roadrunner.Regions;

namespace Roadrunner.Wasm;

/// <summary>
/// Windows: page ranges of the memory over which another file (a region) is mapped for a while, then the memory's own
/// file again. Every change holds the memory's lock and checks it is not disposed, because once Wasmtime frees the
/// memory its address range is unmapped and a fixed mapping there would land on whatever the process maps next.
/// </summary>
internal sealed unsafe partial class GuestMemoryFile
{
    private (nuint Offset, nuint Length)[] _windows = [];

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

    /// <summary>Records a window: page-aligned, inside the current size, overlapping no other.</summary>
    public void OpenWindow(nuint offset, nuint length)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            nuint page = (nuint)Environment.SystemPageSize;
            if (offset % page != 0 || length % page != 0 || length == 0 || offset + length > _size || offset + length < offset || OverlapsWindow(offset, length))
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

    /// <summary>True when [offset, offset+length) touches a window.</summary>
    private bool OverlapsWindow(nuint offset, nuint length)
    {
        foreach ((nuint start, nuint size) in Volatile.Read(ref _windows))
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
