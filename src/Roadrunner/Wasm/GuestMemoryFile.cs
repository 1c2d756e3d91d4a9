using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Roadrunner.Hoses.SharedMemory;
using Roadrunner.Regions;

namespace Roadrunner.Wasm;

/// <summary>
/// A guest's linear memory kept in a file of the region folder (0600, swept after a crash like any region), so that a
/// peer process can map it and read a payload straight out of the sending guest: one copy between two guests in two
/// processes instead of two. Wasmtime gets the address space it asks for (reservation plus guard, inaccessible); the
/// file is mapped over its start and grows in place, so the memory never moves.
/// </summary>
internal sealed unsafe partial class GuestMemoryFile : ILendableMemory, IDisposable
{
    private static readonly Lock s_registryGate = new();
    private static GuestMemoryFile[] s_live = [];

    private readonly FileStream _file;
    private readonly nuint _reservation;
    private readonly List<string> _links = [];
    private readonly Lock _gate = new();
    private nuint _size;
    private bool _disposed;

    private GuestMemoryFile(string path, FileStream file, byte* start, nuint capacity, nuint reservation)
    {
        Path = path;
        _file = file;
        Start = start;
        Capacity = capacity;
        _reservation = reservation;
    }

    /// <summary>The backing file.</summary>
    public string Path { get; }

    /// <summary>Where the memory starts in this process (never moves).</summary>
    public byte* Start { get; }

    /// <summary>Bytes the memory can grow to in place.</summary>
    public nuint Capacity { get; }

    /// <summary>True once Wasmtime let go of the memory (its file and links are deleted).</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed);

    /// <summary>Current size in bytes (the file's size).</summary>
    public nuint Size => Volatile.Read(ref _size);

    /// <inheritdoc />
    long ILendableMemory.Size => (long)Size;

    /// <summary>
    /// Creates the memory for Wasmtime's request (sizes in bytes; <paramref name="reserved"/> 0 when Wasmtime leaves it
    /// to us). In a folder with huge pages the memory starts on a 2 MiB boundary, so 2 MiB-aligned windows can map
    /// 2 MiB at a time; elsewhere not, because there unmapping a window that covers whole 2 MiB ranges also frees their
    /// page tables, which made a 10 MB hop ~15 µs slower (docs/zero-copy.md, "Huge pages").
    /// </summary>
    public static GuestMemoryFile Create(string path, nuint minimum, nuint maximum, nuint reserved, nuint guard, bool hugePages = false)
    {
        const ulong Wasm32Limit = 1UL << 32;
        nuint capacity = reserved != 0 ? reserved : (nuint)Math.Min(maximum, Wasm32Limit);
        if (minimum > capacity)
        {
            throw new ArgumentOutOfRangeException(nameof(minimum), $"A memory of {minimum} bytes does not fit its reservation of {capacity}.");
        }

        nuint reservation = checked(capacity + guard);
        byte* start = MemoryMapping.Reserve(reservation, hugePages ? MemoryMapping.HugePageSize : (nuint)Environment.SystemPageSize);
        FileStream? file = null;
        try
        {
            file = RegionFolder.CreatePrivateFile(path, FileShare.ReadWrite);
            var memory = new GuestMemoryFile(path, file, start, capacity, reservation);
            memory.Grow(minimum);
            Register(memory);
            return memory;
        }
        catch
        {
            MemoryMapping.Unmap(start, reservation);
            file?.Dispose();
            RegionFolder.TryDelete(path);
            throw;
        }
    }

    /// <summary>
    /// The live file-backed memory that holds all of <paramref name="bytes"/>, and where they start in it; false for
    /// bytes anywhere else (a .NET array, a region, a guest memory that is not in a file).
    /// </summary>
    public static bool TryFind(ReadOnlySpan<byte> bytes, [NotNullWhen(true)] out GuestMemoryFile? memory, out long offset)
    {
        byte* address = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(bytes));
        foreach (GuestMemoryFile candidate in Volatile.Read(ref s_live))
        {
            // Bytes in a mapped window or a detached range are not the file's: not found.
            if (address >= candidate.Start && address + bytes.Length <= candidate.Start + candidate.Size
                && candidate.InFile((nuint)(address - candidate.Start), (nuint)bytes.Length))
            {
                memory = candidate;
                offset = address - candidate.Start;
                return true;
            }
        }

        memory = null;
        offset = 0;
        return false;
    }

    /// <summary>The live file-backed memory that starts at <paramref name="start"/>, if any.</summary>
    public static bool TryFindStart(nint start, [NotNullWhen(true)] out GuestMemoryFile? memory)
    {
        memory = Volatile.Read(ref s_live).FirstOrDefault(m => (nint)m.Start == start);
        return memory is not null;
    }

    /// <summary>Grows the file and maps the new part in place (Wasmtime's <c>grow_to</c>).</summary>
    /// <exception cref="RegionFolderFullException">The folder has no room for the new pages; nothing changed.</exception>
    public void Grow(nuint newSize)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (newSize > Capacity)
            {
                throw new InvalidOperationException($"The memory cannot grow to {newSize} bytes: its capacity is {Capacity}.");
            }

            nuint size = _size;
            if (newSize <= size)
            {
                return;
            }

            // Reserve the pages (this also grows the file): a full folder fails the grow (the guest sees -1), where a
            // bare ftruncate would let the guest's first touch of a new page raise SIGBUS and kill the process.
            FileSpace.Reserve(_file.SafeFileHandle, Path, (long)size, (long)(newSize - size));
            if (!OperatingSystem.IsLinux())
            {
                _file.SetLength((long)newSize);
            }

            MemoryMapping.MapFileAt(Start + size, newSize - size, MemoryMapping.ProtectReadWrite, _file.SafeFileHandle, (long)size);
            Volatile.Write(ref _size, newSize);
        }
    }

    /// <summary>Gives the file a second name (in another endpoint's naming scheme); false when that is impossible.</summary>
    public bool TryLink(string linkPath)
    {
        lock (_gate)
        {
            if (_disposed || !MemoryMapping.TryHardLink(Path, linkPath))
            {
                return false;
            }

            _links.Add(linkPath);
            return true;
        }
    }

    /// <summary>Unmaps the memory and deletes the file and its links (Wasmtime's finalizer: the store is gone).</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        Unregister(this);
        MemoryMapping.Unmap(Start, _reservation);
        _file.Dispose();
        RegionFolder.TryDelete(Path);
        foreach (string link in _links)
        {
            RegionFolder.TryDelete(link);
        }
    }

    private static void Register(GuestMemoryFile memory)
    {
        lock (s_registryGate)
        {
            s_live = [.. s_live, memory];
        }
    }

    private static void Unregister(GuestMemoryFile memory)
    {
        lock (s_registryGate)
        {
            s_live = [.. s_live.Where(m => m != memory)];
        }
    }
}
