using System.Runtime.InteropServices;

namespace Roadrunner.Regions;

/// <summary>
/// Owner, type and mode of a path without following symlinks, read with <c>statx</c> (whose layout is the same on every
/// Linux architecture). .NET exposes the mode but not the owner, and ownership is what decides whether to trust a file.
/// </summary>
internal readonly partial record struct UnixFileStatus(uint OwnerId, UnixFileMode Mode, bool IsDirectory, bool IsSymlink, bool IsRegularFile)
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7ff;
    private const int FileTypeMask = 0xF000;

    /// <summary>The effective user id of this process.</summary>
    public static uint CurrentUserId => OperatingSystem.IsLinux() ? GetEffectiveUserId() : 0;

    /// <summary>Reads the status of <paramref name="path"/> itself (a symlink is reported, not followed).</summary>
    /// <returns>False when the path does not exist or cannot be read.</returns>
    public static unsafe bool TryRead(string path, out UnixFileStatus status)
    {
        status = default;
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        // struct statx is 256 bytes; stx_uid sits at offset 20 and stx_mode (u16) at offset 28.
        byte* buffer = stackalloc byte[256];
        if (Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxBasicStats, buffer) != 0)
        {
            return false;
        }

        uint owner = *(uint*)(buffer + 20);
        int mode = *(ushort*)(buffer + 28);
        int type = mode & FileTypeMask;
        status = new UnixFileStatus(owner, (UnixFileMode)(mode & 0xFFF), type == 0x4000, type == 0xA000, type == 0x8000);
        return true;
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial int Statx(int dirFd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();
}
