using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Roadrunner.Workloads;

/// <summary>
/// The Linux calls of the <see cref="MapFloor"/> baseline: reserve address space, map a file range at a fixed address
/// (shared or copy-on-write), reserve tmpfs space. Kept here, not in src/: the floor must
/// not depend on how the library does its own page work.
/// </summary>
internal static unsafe partial class PageMapping
{
    /// <summary>4 KiB: offsets and lengths of a mapping are whole pages.</summary>
    public const int PageSize = 4096;

    private const int ProtectNone = 0;
    private const int ProtectReadWrite = 3;
    private const int SharedFlag = 0x01;
    private const int PrivateFlag = 0x02;
    private const int MapFixed = 0x10;
    private const int MapAnonymous = 0x20;
    private const int MapNoReserve = 0x4000;

    /// <summary>Reserves <paramref name="length"/> bytes of address space, aligned to <paramref name="alignment"/>, that nothing may touch.</summary>
    /// <param name="length">Bytes needed.</param>
    /// <param name="alignment">Alignment of the start returned (a power of two).</param>
    /// <param name="start">The whole reservation, to unmap.</param>
    /// <param name="reserved">Its length.</param>
    /// <returns>The aligned start.</returns>
    public static byte* Reserve(nuint length, nuint alignment, out byte* start, out nuint reserved)
    {
        reserved = length + alignment;
        void* mapped = Mmap(null, reserved, ProtectNone, PrivateFlag | MapAnonymous | MapNoReserve, -1, 0);
        if (mapped == (void*)-1)
        {
            throw Failure("reserve address space");
        }

        start = (byte*)mapped;
        return (byte*)(((nuint)mapped + alignment - 1) & ~(alignment - 1));
    }

    /// <summary>Maps bytes [offset, offset+length) of <paramref name="file"/> at <paramref name="address"/>, shared (writes reach the file).</summary>
    public static void MapShared(byte* address, nuint length, SafeFileHandle file, long offset) =>
        MapAt(address, length, SharedFlag, file, offset);

    /// <summary>Maps bytes [offset, offset+length) of <paramref name="file"/> at <paramref name="address"/>, copy-on-write.</summary>
    public static void MapPrivate(byte* address, nuint length, SafeFileHandle file, long offset) =>
        MapAt(address, length, PrivateFlag, file, offset);

    /// <summary>Unmaps a range.</summary>
    public static void Unmap(byte* address, nuint length) => _ = Munmap(address, length);

    /// <summary>Gives the file <paramref name="length"/> bytes that are really there (tmpfs: a later touch cannot SIGBUS).</summary>
    public static void Allocate(SafeFileHandle file, long length)
    {
        int error = PosixFallocate((int)file.DangerousGetHandle(), 0, length);
        if (error != 0)
        {
            throw new IOException($"Could not reserve {length} bytes of a file: {Marshal.GetPInvokeErrorMessage(error)}");
        }
    }

    /// <summary>This process's effective user id (the region pool's default folder is named after it).</summary>
    public static uint UserId() => GetEffectiveUserId();

    /// <summary><paramref name="bytes"/> rounded up to whole pages.</summary>
    public static nuint RoundUp(long bytes, int unit = PageSize) => (nuint)((bytes + unit - 1) / unit * unit);

    private static void MapAt(byte* address, nuint length, int sharing, SafeFileHandle file, long offset)
    {
        void* mapped = Mmap(address, length, ProtectReadWrite, sharing | MapFixed, (int)file.DangerousGetHandle(), offset);
        if (mapped == (void*)-1)
        {
            throw Failure("map a file range");
        }
    }

    private static IOException Failure(string what) =>
        new($"Could not {what}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial void* Mmap(void* address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static partial int Munmap(void* address, nuint length);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();

    [LibraryImport("libc", EntryPoint = "posix_fallocate")]
    private static partial int PosixFallocate(int fd, long offset, long length);
}
