using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Roadrunner.Regions;

/// <summary>
/// Reserves the pages of a file before anything maps and touches them. <c>ftruncate</c> (<c>SetLength</c>) reserves
/// nothing: on a full tmpfs the first touch of a page is a SIGBUS that kills the process. <c>posix_fallocate</c> takes
/// the pages now, so a full folder becomes <see cref="RegionFolderFullException"/> instead.
/// </summary>
internal static partial class FileSpace
{
    private const int EINTR = 4;
    private const int EFBIG = 27;
    private const int ENOSPC = 28;
    private const int EDQUOT = 122;

    /// <summary>Reserves bytes [<paramref name="offset"/>, <paramref name="offset"/>+<paramref name="length"/>) of the file (growing it if needed).</summary>
    /// <exception cref="RegionFolderFullException">The file system has no room for them.</exception>
    /// <exception cref="IOException">Any other failure.</exception>
    public static void Reserve(SafeFileHandle file, string path, long offset, long length)
    {
        if (length <= 0 || !OperatingSystem.IsLinux())
        {
            return; // elsewhere there is no tmpfs SIGBUS to prevent, and no posix_fallocate to call
        }

        bool added = false;
        int error;
        try
        {
            file.DangerousAddRef(ref added);
            int fd = (int)file.DangerousGetHandle();
            do
            {
                error = PosixFallocate(fd, offset, length); // returns the error number itself, not -1 and errno
            }
            while (error == EINTR);
        }
        finally
        {
            if (added)
            {
                file.DangerousRelease();
            }
        }

        if (error is ENOSPC or EDQUOT or EFBIG)
        {
            throw new RegionFolderFullException(Path.GetDirectoryName(path) ?? path, length);
        }

        if (error != 0)
        {
            throw new IOException(string.Create(CultureInfo.InvariantCulture, $"Could not reserve {length} bytes of '{path}': {Marshal.GetPInvokeErrorMessage(error)}"));
        }
    }

    [LibraryImport("libc", EntryPoint = "posix_fallocate")]
    private static partial int PosixFallocate(int fd, long offset, long length);
}
