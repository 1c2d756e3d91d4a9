using Roadrunner.Diagnostics;
using Roadrunner.Regions;

namespace Roadrunner.Hoses.Network;

/// <summary>
/// What a network <c>TrySend</c> accepted and a background thread sends. <c>TrySend</c> never waits — not for a
/// connection, credit, the socket or the Ack — so it copies the payload into pooled regions and returns
/// <see cref="HoseStatus.Ok"/> ("accepted for sending", as a try-send to a busy in-process receiver returns Ok once
/// queued), or <see cref="HoseStatus.WouldBlock"/> when the pool or the hose's window has no room now. The sending
/// thread runs only while payloads wait; an accepted payload that then fails is counted in
/// <c>roadrunner.hose.dropped</c> (tag <c>transport=network</c>), never retried.
/// </summary>
internal sealed class TrySendQueue(NetworkSender sender, NetworkOptions options, RegionPool pool)
{
    private readonly object _lock = new(); // a monitor: Wait/Pulse for WaitDrained
    private readonly Queue<RegionPayload> _queue = new();
    private int _pending;      // accepted and not yet sent (being sent included)
    private long _pendingBytes;
    private bool _running;
    private long _failed;

    /// <summary>Accepted payloads whose send failed afterwards.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    public HoseStatus TryEnqueue(ReadOnlySpan<byte> payload)
    {
        if (pool.FootprintOf(payload.Length) > pool.MaxLeasedBytes)
        {
            return HoseStatus.TooLarge; // would never fit: retrying cannot help
        }

        long bytes = Math.Max(1, payload.Length);
        lock (_lock)
        {
            if (_pending > 0 && _pendingBytes + bytes > options.HoseWindowBytes)
            {
                return HoseStatus.WouldBlock;
            }
        }

        if (!pool.TryRent(payload.Length, out RegionPayload regions))
        {
            return HoseStatus.WouldBlock;
        }

        regions.Fill(payload);
        regions.Trace = TraceContext.Current; // the queued send's span is this caller's child
        lock (_lock)
        {
            _queue.Enqueue(regions);
            _pending++;
            _pendingBytes += bytes;
            if (!_running)
            {
                _running = true;
                new Thread(Drain) { IsBackground = true, Name = "roadrunner-net-trysend" }.Start();
            }
        }

        return HoseStatus.Ok;
    }

    /// <summary>
    /// Waits until every accepted payload has been sent, so a later <c>Send</c> on the hose keeps their order.
    /// False at the deadline or on cancellation (the caller then sends nothing).
    /// </summary>
    public bool WaitDrained(Deadline deadline, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _pending) == 0)
        {
            return true;
        }

        lock (_lock)
        {
            while (_pending > 0)
            {
                if (deadline.Passed || cancellationToken.IsCancellationRequested)
                {
                    return false;
                }

                Monitor.Wait(_lock, deadline.AtMost(TimeSpan.FromMilliseconds(100))); // looks at the token every 100 ms
            }

            return true;
        }
    }

    private void Drain()
    {
        while (true)
        {
            RegionPayload next;
            lock (_lock)
            {
                if (!_queue.TryDequeue(out next!))
                {
                    _running = false;
                    return;
                }
            }

            long bytes = Math.Max(1, next.Length);
            HoseStatus status;
            try
            {
                status = sender.SendQueued(next, Deadline.After(options.DeliveryTimeout + options.FrameTimeout));
            }
            finally
            {
                next.Release();
            }

            if (status != HoseStatus.Ok)
            {
                Interlocked.Increment(ref _failed);
                RoadrunnerMetrics.Dropped.Add(1, new KeyValuePair<string, object?>("transport", "network"), new KeyValuePair<string, object?>("status", status.ToString()));
                RoadrunnerLog.NetworkAcceptedSendDropped(sender.Link.Log, sender.Name, status);
            }

            lock (_lock)
            {
                _pending--;
                _pendingBytes -= bytes;
                Monitor.PulseAll(_lock);
            }
        }
    }
}
