using System.Runtime.InteropServices;

namespace Roadrunner.Regions;

/// <summary>
/// The Linux calls behind guest memories that live in files: reserve address space, map a file range at a fixed
/// address, unmap, and hard-link a file under a second name. <see cref="MappedRegion"/> needs none of this: it maps a
/// whole fixed-size file through <c>MemoryMappedFile</c>; these are for mappings that grow in place or are read-only.
/// </summary>
internal static unsafe partial class MemoryMapping
{
    public const int ProtectNone = 0;
    public const int ProtectRead = 1;
    public const int ProtectReadWrite = 3;

    private const int MapShared = 0x01;
    private const int MapPrivate = 0x02;
    private const int MapFixed = 0x10;
    private const int MapAnonymous = 0x20;
    private const int MapNoReserve = 0x4000;
    private const int MapPopulate = 0x8000;

    /// <summary>
    /// The huge page of x86-64 and arm64 (2 MiB): a file range at a 2 MiB-aligned offset mapped at a 2 MiB-aligned
    /// address can use one page-table entry for 2 MiB where the file system gives huge pages (docs/zero-copy.md).
    /// </summary>
    public const nuint HugePageSize = 2 * 1024 * 1024;

    /// <summary>
    /// Reserves <paramref name="length"/> bytes of address space that nothing may touch (no memory committed), starting
    /// at a multiple of <paramref name="alignment"/> (a power of two; the page size or more).
    /// </summary>
    public static byte* Reserve(nuint length, nuint alignment)
    {
        nuint padded = checked(length + alignment);
        void* address = Mmap(null, padded, ProtectNone, MapPrivate | MapAnonymous | MapNoReserve, -1, 0);
        if (address == (void*)-1)
        {
            throw Failure("reserve address space");
        }

        // Keep the aligned part only: give back the head before it and the tail after it.
        byte* start = (byte*)(((nuint)address + alignment - 1) & ~(alignment - 1));
        nuint head = (nuint)(start - (byte*)address);
        if (head > 0)
        {
            Unmap((byte*)address, head);
        }

        Unmap(start + length, padded - head - length);
        return start;
    }

    /// <summary>Maps bytes [offset, offset+length) of the open file at <paramref name="address"/>, replacing what was there.</summary>
    public static void MapFileAt(byte* address, nuint length, int protection, SafeHandle file, long offset)
    {
        void* mapped = Mmap(address, length, protection, MapShared | MapFixed, (int)file.DangerousGetHandle(), offset);
        if (mapped == (void*)-1)
        {
            throw Failure("map a file range");
        }
    }

    /// <summary>
    /// Like <see cref="MapFileAt"/>, read-write and with the page tables filled at once (<c>MAP_POPULATE</c>: on a shared
    /// mapping that copies nothing, and spares the writer a fault per page).
    /// </summary>
    public static void MapFilePopulatedAt(byte* address, nuint length, SafeHandle file, long offset)
    {
        void* mapped = Mmap(address, length, ProtectReadWrite, MapShared | MapFixed | MapPopulate, (int)file.DangerousGetHandle(), offset);
        if (mapped == (void*)-1)
        {
            throw Failure("map a file range");
        }
    }

    /// <summary>
    /// Maps bytes [offset, offset+length) of the open file at <paramref name="address"/> copy-on-write
    /// (<c>MAP_PRIVATE</c>: writes stay in this mapping), read-write, replacing what was there. Never populated: a
    /// populated writable private mapping copies every page.
    /// </summary>
    public static void MapFileCopyOnWriteAt(byte* address, nuint length, SafeHandle file, long offset)
    {
        void* mapped = Mmap(address, length, ProtectReadWrite, MapPrivate | MapFixed, (int)file.DangerousGetHandle(), offset);
        if (mapped == (void*)-1)
        {
            throw Failure("map a file range copy-on-write");
        }
    }

    /// <summary>Maps the first <paramref name="length"/> bytes of the open file anywhere, with <paramref name="protection"/>.</summary>
    public static byte* MapFile(nuint length, int protection, SafeHandle file)
    {
        void* mapped = Mmap(null, length, protection, MapShared, (int)file.DangerousGetHandle(), 0);
        return mapped == (void*)-1 ? throw Failure("map a file") : (byte*)mapped;
    }

    /// <summary>Unmaps (never fails for a range this class mapped).</summary>
    public static void Unmap(byte* address, nuint length) => _ = Munmap(address, length);

    /// <summary>Gives <paramref name="existing"/> the second name <paramref name="newPath"/>; false when the file system refuses.</summary>
    public static bool TryHardLink(string existing, string newPath) => Link(existing, newPath) == 0;

    private static IOException Failure(string what) =>
        new($"Could not {what}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial void* Mmap(void* address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static partial int Munmap(void* address, nuint length);

    [LibraryImport("libc", EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Link(string existing, string newPath);
}
