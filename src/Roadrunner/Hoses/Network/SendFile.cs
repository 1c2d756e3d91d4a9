using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Roadrunner.Hoses.Network;

/// <summary>
/// <c>sendfile(2)</c> from a file (a region, or a guest memory kept in a file) to a blocking socket: the kernel moves
/// the pages, no user-space copy. The socket then references the file's pages until they are sent and read: a caller
/// must not change them before the receiver has them (see <see cref="NetworkSender"/>'s page sends).
/// (<see cref="Socket.SendFile(string)"/> sends whole files only, and <c>SendPacketsAsync</c> would make the socket non-blocking.)
/// </summary>
internal static partial class SendFile
{
    /// <summary>True where <c>sendfile</c> is available (Linux).</summary>
    public static bool IsSupported => OperatingSystem.IsLinux();

    /// <summary>Sends <paramref name="count"/> bytes of <paramref name="file"/> from <paramref name="offset"/>.</summary>
    /// <exception cref="IOException">The socket failed or its send timeout passed.</exception>
    public static void Send(Socket socket, SafeHandle file, long offset, long count)
    {
        bool addedSocket = false;
        bool addedFile = false;
        try
        {
            socket.SafeHandle.DangerousAddRef(ref addedSocket);
            file.DangerousAddRef(ref addedFile);
            int socketFd = (int)socket.SafeHandle.DangerousGetHandle();
            int fileFd = (int)file.DangerousGetHandle();
            while (count > 0)
            {
                nint sent = SendFileNative(socketFd, fileFd, ref offset, (nuint)Math.Min(count, 1L << 30));
                if (sent < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == SocketPoll.EINTR)
                    {
                        continue;
                    }

                    if (errno == SocketPoll.EAGAIN)
                    {
                        SocketPoll.WaitWritable(socket, socketFd);
                        continue;
                    }

                    throw new IOException($"sendfile failed (errno {errno})", new SocketException(errno));
                }

                if (sent == 0)
                {
                    throw new IOException("sendfile sent nothing (file shorter than expected)");
                }

                count -= sent;
            }
        }
        finally
        {
            if (addedFile)
            {
                file.DangerousRelease();
            }

            if (addedSocket)
            {
                socket.SafeHandle.DangerousRelease();
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "sendfile", SetLastError = true)]
    private static partial nint SendFileNative(int outFd, int inFd, ref long offset, nuint count);
}
