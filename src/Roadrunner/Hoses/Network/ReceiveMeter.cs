namespace Roadrunner.Hoses.Network;

/// <summary>
/// Measures how fast a peer delivers the frame a served connection waits for
/// (<see cref="NetworkOptions.MinReceiveBytesPerSecond"/>). The connection's thread times its reads while it is inside
/// a frame (<see cref="Metering"/>); waits between frames and for room in a target are not counted. A watchdog asks
/// <see cref="IsBelowRate"/> now and then: once a whole window of waiting has passed, the bytes that came in during it
/// must reach the rate, else the peer is too slow.
/// </summary>
internal sealed class ReceiveMeter(long minBytesPerSecond, TimeSpan window)
{
    private readonly long _windowMs = Math.Max(1, (long)window.TotalMilliseconds);
    private long _readMs;       // time spent in finished metered reads (written by the connection's thread only)
    private long _readingSince; // start of the metered read in progress (Environment.TickCount64), 0 when none
    private long _bytes;        // bytes the metered reads returned
    private long _windowStartMs;
    private long _windowStartBytes;

    /// <summary>True while the connection waits for the rest of a frame; set by the connection's thread.</summary>
    public bool Metering { get; set; }

    /// <summary>Marks the start of a read; returns the token for <see cref="End"/>.</summary>
    public long Begin()
    {
        long now = Environment.TickCount64;
        Volatile.Write(ref _readingSince, now);
        return now;
    }

    /// <summary>Marks the end of a read that returned <paramref name="bytes"/>.</summary>
    public void End(long start, int bytes)
    {
        // Clear "reading" before adding its time: a watchdog looking in between undercounts, never counts it twice.
        Volatile.Write(ref _readingSince, 0);
        Volatile.Write(ref _readMs, _readMs + (Environment.TickCount64 - start));
        Volatile.Write(ref _bytes, _bytes + bytes);
    }

    /// <summary>
    /// Called by one watchdog at a time: true when a full window of waiting has passed since the last check and the
    /// peer sent less than the minimum rate during it.
    /// </summary>
    public bool IsBelowRate(long now)
    {
        if (minBytesPerSecond == 0)
        {
            return false;
        }

        long readMs = Volatile.Read(ref _readMs);
        long since = Volatile.Read(ref _readingSince);
        if (since != 0)
        {
            readMs += Math.Max(0, now - since);
        }

        long bytes = Volatile.Read(ref _bytes);
        long waited = readMs - _windowStartMs;
        if (waited < _windowMs)
        {
            return false;
        }

        bool slow = (bytes - _windowStartBytes) * 1000 < minBytesPerSecond * waited;
        _windowStartMs = readMs;
        _windowStartBytes = bytes;
        return slow;
    }
}
