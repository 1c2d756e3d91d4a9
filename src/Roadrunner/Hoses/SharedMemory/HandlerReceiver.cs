using Roadrunner.Diagnostics;
using Roadrunner.Regions;

namespace Roadrunner.Hoses.SharedMemory;

/// <summary>
/// A .NET push receiver: the handler reads each payload in place, on the thread that delivers it (for a cross-process
/// hose, the receive thread, straight from the sender's region: zero copies, no thread hop). One call at a time, in
/// order; payloads that arrive while it runs are queued and handed over on a pool thread.
/// </summary>
internal sealed class HandlerReceiver(InProcessHose inbox, PayloadHandler handler) : IDirectReceiver
{
    private readonly Lock _gate = new();
    private int _drainScheduled;

    public HoseStatus TryDeliver(ReadOnlySpan<byte> payload)
    {
        if (!_gate.TryEnter())
        {
            return HoseStatus.WouldBlock;
        }

        try
        {
            if (inbox.QueuedCount != 0)
            {
                return HoseStatus.WouldBlock; // earlier payloads first
            }

            return RoadrunnerActivity.Ended(RoadrunnerActivity.StartDirectDeliver(inbox.Name, payload.Length), Call(payload));
        }
        finally
        {
            _gate.Exit();
            if (inbox.QueuedCount != 0)
            {
                OnQueued();
            }
        }
    }

    public void OnQueued()
    {
        if (Interlocked.CompareExchange(ref _drainScheduled, 1, 0) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static self => self.Drain(), this, preferLocal: false);
        }
    }

    private void Drain()
    {
        Volatile.Write(ref _drainScheduled, 0);
        if (!_gate.TryEnter())
        {
            return; // the caller inside schedules another drain when it leaves
        }

        try
        {
            while (inbox.TryTake(out RegionPayload? payload))
            {
                using System.Diagnostics.Activity? span = RoadrunnerActivity.StartQueuedDeliver(inbox.Name, payload);
                try
                {
                    if (payload.Chunks.Length <= 1)
                    {
                        RoadrunnerActivity.Ended(span, Call(payload.Chunks.Length == 0 ? default : payload.Chunks[0].Memory.Span));
                    }
                    else
                    {
                        byte[] joined = GC.AllocateUninitializedArray<byte>(checked((int)payload.Length));
                        payload.CopyTo(joined);
                        RoadrunnerActivity.Ended(span, Call(joined));
                    }
                }
                finally
                {
                    payload.Release();
                }
            }
        }
        finally
        {
            _gate.Exit();
            if (inbox.QueuedCount != 0)
            {
                OnQueued();
            }
        }
    }

    private HoseStatus Call(ReadOnlySpan<byte> payload)
    {
        try
        {
            handler(payload);
            return HoseStatus.Ok;
        }
#pragma warning disable CA1031 // a handler's exception must not kill the receive thread: it is reported as a refusal
        catch (Exception)
#pragma warning restore CA1031
        {
            return HoseStatus.PeerFailed;
        }
    }
}

/// <summary>Handles one payload read in place; the bytes are valid only during the call.</summary>
/// <param name="payload">The payload (a payload above 16 MiB that had to wait in the queue is joined into one array first).</param>
public delegate void PayloadHandler(ReadOnlySpan<byte> payload);
