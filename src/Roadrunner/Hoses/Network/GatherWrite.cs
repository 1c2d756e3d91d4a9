using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Roadrunner.Hoses.Network;

/// <summary>
/// <c>writev(2)</c> of a frame header and its body in one system call on a blocking socket: the kernel gathers both
/// straight from their memory (the body from the guest's), so the header does not travel as a segment of its own.
/// </summary>
internal static unsafe partial class GatherWrite
{
    public static bool IsSupported => OperatingSystem.IsLinux();

    /// <exception cref="IOException">The socket failed or its send timeout passed.</exception>
    public static void Write(Socket socket, ReadOnlySpan<byte> header, ReadOnlySpan<byte> body)
    {
        bool added = false;
        try
        {
            socket.SafeHandle.DangerousAddRef(ref added);
            int fd = (int)socket.SafeHandle.DangerousGetHandle();
            fixed (byte* h = header)
            fixed (byte* b = body)
            {
                IoVector* vectors = stackalloc IoVector[2];
                vectors[0] = new IoVector(h, header.Length);
                vectors[1] = new IoVector(b, body.Length);
                int first = 0;
                while (first < 2)
                {
                    nint written = WriteV(fd, vectors + first, 2 - first);
                    if (written < 0)
                    {
                        int errno = Marshal.GetLastPInvokeError();
                        if (errno == SocketPoll.EINTR)
                        {
                            continue;
                        }

                        if (errno == SocketPoll.EAGAIN)
                        {
                            SocketPoll.WaitWritable(socket, fd); // non-blocking socket, or the send timeout of a blocking one
                            continue;
                        }

                        throw new IOException($"writev failed (errno {errno})", new SocketException(errno));
                    }

                    // Skip what was written, possibly part of a vector.
                    while (first < 2 && written >= (nint)vectors[first].Length)
                    {
                        written -= (nint)vectors[first].Length;
                        first++;
                    }

                    if (first < 2)
                    {
                        vectors[first] = new IoVector((byte*)vectors[first].Base + written, (int)((nint)vectors[first].Length - written));
                    }
                }
            }
        }
        finally
        {
            if (added)
            {
                socket.SafeHandle.DangerousRelease();
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "writev", SetLastError = true)]
    private static partial nint WriteV(int fd, IoVector* vectors, int count);

    [StructLayout(LayoutKind.Sequential)]
    private readonly struct IoVector(byte* start, int length)
    {
        public readonly void* Base = start;
        public readonly nuint Length = (nuint)length;
    }
}
