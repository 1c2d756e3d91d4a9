using System.Buffers;
using System.Runtime.InteropServices;
using Roadrunner.Regions;

namespace Roadrunner.Wasm;

/// <summary>
/// Fresh pages under a committed window. A <c>sendfile</c> hands the socket the memory file's pages themselves; a send
/// that ends without the receiver's Ack may leave them in the socket (or, on loopback, in the peer's socket) to be sent
/// or read later. Punching them out of the file detaches them: the socket keeps the old pages, unchanged, and the guest's
/// later writes land in new ones, so they can never reach a receiver.
/// </summary>
internal sealed unsafe partial class GuestMemoryFile
{
    private const int FallocKeepSize = 0x01;
    private const int FallocPunchHole = 0x02;

    /// <summary>
    /// Gives bytes [<paramref name="offset"/>, +<paramref name="length"/>) (whole pages, inside the memory) new pages
    /// holding the same bytes (two copies; only after a failed send). False when that failed: the range is then made
    /// inaccessible (a guest touching it traps rather than reading a hole on a full file system, a SIGBUS) and the
    /// caller must fault the guest.
    /// </summary>
    public bool TryReplacePages(nuint offset, nuint length)
    {
        if (!OperatingSystem.IsLinux() || length == 0)
        {
            return true; // no sendfile elsewhere: nothing references the pages
        }

        lock (_gate)
        {
            if (_disposed || offset + length > _size || length > int.MaxValue)
            {
                return false;
            }

            var range = new Span<byte>(Start + offset, (int)length);
            byte[] saved = ArrayPool<byte>.Shared.Rent((int)length);
            try
            {
                range.CopyTo(saved);
                if (Fallocate(_file.SafeFileHandle, FallocPunchHole | FallocKeepSize, (long)offset, (long)length) != 0)
                {
                    return false; // the old pages are still the file's; the socket may still reference them
                }

                FileSpace.Reserve(_file.SafeFileHandle, Path, (long)offset, (long)length);
                saved.AsSpan(0, (int)length).CopyTo(range);
                return true;
            }
            catch (IOException)
            {
                MemoryMapping.MapFileAt(Start + offset, length, MemoryMapping.ProtectNone, _file.SafeFileHandle, (long)offset);
                return false;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(saved);
            }
        }
    }

    private static int Fallocate(SafeHandle file, int mode, long offset, long length)
    {
        bool added = false;
        try
        {
            file.DangerousAddRef(ref added);
            int result;
            do
            {
                result = FallocateNative((int)file.DangerousGetHandle(), mode, offset, length);
            }
            while (result != 0 && Marshal.GetLastPInvokeError() == 4); // EINTR

            return result;
        }
        finally
        {
            if (added)
            {
                file.DangerousRelease();
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "fallocate", SetLastError = true)]
    private static partial int FallocateNative(int fd, int mode, long offset, long length);
}
