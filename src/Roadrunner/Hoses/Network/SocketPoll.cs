using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Roadrunner.Hoses.Network;

/// <summary>Waits with <c>poll(2)</c> until a socket can take more bytes, for the raw writes (<c>writev</c>, <c>sendfile</c>).</summary>
internal static unsafe partial class SocketPoll
{
    public const int EINTR = 4;
    public const int EAGAIN = 11;
    private const short PollOut = 0x004;

    /// <summary>Blocks until <paramref name="fd"/> is writable; throws <see cref="IOException"/> after the socket's send timeout.</summary>
    public static void WaitWritable(Socket socket, int fd)
    {
        int timeout = socket.SendTimeout > 0 ? socket.SendTimeout : -1;
        var entry = new PollFd { Fd = fd, Events = PollOut };
        while (true)
        {
            int ready = Poll(&entry, 1, timeout);
            if (ready > 0)
            {
                return;
            }

            if (ready == 0)
            {
                throw new IOException("send timed out: the peer stopped reading", new SocketException((int)SocketError.TimedOut));
            }

            int errno = Marshal.GetLastPInvokeError();
            if (errno != EINTR)
            {
                throw new IOException($"poll failed (errno {errno})", new SocketException(errno));
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int Poll(PollFd* fds, nuint count, int timeout);

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }
}
