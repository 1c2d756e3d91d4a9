using System.Text;
using Roadrunner.Diagnostics;
using Roadrunner.Hoses;
using Roadrunner.Regions;
using Wasmtime;

namespace Roadrunner.Wasm;

/// <summary>
/// The host functions behind the <c>roadrunner</c> imports. Each one checks every guest pointer and length before it
/// touches memory and turns every failure into a negative status: no exception ever reaches the guest.
/// </summary>
internal static class HoseImports
{
    /// <summary>Longest target name, in UTF-8 bytes.</summary>
    public const int MaxNameBytes = 255;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static int Open(Caller caller, int namePointer, int nameLength) => Guarded(caller, "open", (namePointer, nameLength), static (guest, args) =>
    {
        (int namePointer, int nameLength) = args;
        if (!guest.Memory.TryGetSpan(namePointer, nameLength, out Span<byte> bytes))
        {
            return (int)HoseStatus.BadPointer;
        }

        if (nameLength is 0 or > MaxNameBytes)
        {
            return (int)HoseStatus.UnknownTarget;
        }

        string name;
        try
        {
            name = StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return (int)HoseStatus.UnknownTarget;
        }

        return guest.Directory.TryResolve(name, out IHoseSender? sender) ? guest.Handles.Add(sender) : (int)HoseStatus.UnknownTarget;
    });

    public static int Close(Caller caller, int handle) =>
        Guarded(caller, "close", handle, static (guest, handle) =>
        {
            if (!guest.Handles.Remove(handle))
            {
                return (int)HoseStatus.BadHandle;
            }

            // Windows claimed through the handle could never be committed now: give them back, as abort would.
            guest.Windows.AbortClaimedBy(handle);
            return (int)HoseStatus.Ok;
        });

    public static int Send(Caller caller, int handle, int pointer, int length) =>
        SendCore(caller, "send", handle, pointer, length, wait: true);

    public static int TrySend(Caller caller, int handle, int pointer, int length) =>
        SendCore(caller, "try_send", handle, pointer, length, wait: false);

    public static int NextLength(Caller caller) => Guarded(caller, "next_length", 0, static (guest, _) =>
    {
        if (guest.InboxHose.TryPeekLength(out long length))
        {
            return (int)length;
        }

        return guest.InboxHose.IsDrainedAndClosed ? (int)HoseStatus.Closed : (int)HoseStatus.WouldBlock;
    });

    public static int Receive(Caller caller, int pointer, int capacity) =>
        Guarded(caller, "receive", (pointer, capacity), static (guest, args) => ReceiveCore(guest, args.pointer, args.capacity, TimeSpan.Zero));

    public static int ReceiveWait(Caller caller, int pointer, int capacity, int timeoutMilliseconds) => Guarded(caller, "receive_wait", (pointer, capacity, timeoutMilliseconds), static (guest, args) =>
        Waiting(guest, "receive_wait", args.timeoutMilliseconds, (args.pointer, args.capacity), static (guest, args, wait) => ReceiveCore(guest, args.pointer, args.capacity, wait)));

    /// <summary>
    /// Runs a receive that may wait: the guest's timeout (ms; negative counts as 0) capped by
    /// <see cref="RoadrunnerGuestOptions.MaxReceiveWait"/> and by a running push's deadline; a wait that the deadline cut
    /// short traps the guest instead of answering <c>RR_TIMED_OUT</c>.
    /// </summary>
    internal static int Waiting<TArgs>(RoadrunnerGuest guest, string import, int timeoutMilliseconds, TArgs args, Func<RoadrunnerGuest, TArgs, TimeSpan, int> receive)
    {
        TimeSpan wait = TimeSpan.FromMilliseconds(Math.Max(0, timeoutMilliseconds));
        wait = guest.BoundByPushDeadline(wait > guest.Options.MaxReceiveWait ? guest.Options.MaxReceiveWait : wait, out bool cut);
        int result = receive(guest, args, wait);
        if (cut && result == (int)HoseStatus.TimedOut)
        {
            guest.TrapIfPushOverran(import, force: true);
        }

        return result;
    }

    /// <summary>
    /// The length of the next queued payload, waiting up to <paramref name="wait"/> for one: <see cref="HoseStatus.Ok"/>,
    /// or <c>Closed</c> (inbox drained and closed, or the guest is shutting down), <c>WouldBlock</c> (none and no wait),
    /// <c>TimedOut</c>.
    /// </summary>
    internal static HoseStatus PeekOrWait(RoadrunnerGuest guest, TimeSpan wait, out long length)
    {
        if (guest.InboxHose.TryPeekLength(out length))
        {
            return HoseStatus.Ok;
        }

        if (guest.InboxHose.IsDrainedAndClosed)
        {
            return HoseStatus.Closed;
        }

        if (wait <= TimeSpan.Zero)
        {
            return HoseStatus.WouldBlock;
        }

        try
        {
            if (guest.InboxHose.WaitToRead(wait, guest.ShutdownToken) && guest.InboxHose.TryPeekLength(out length))
            {
                return HoseStatus.Ok;
            }

            return guest.InboxHose.IsDrainedAndClosed ? HoseStatus.Closed : HoseStatus.TimedOut;
        }
        catch (OperationCanceledException)
        {
            return HoseStatus.Closed;
        }
    }

    private static int SendCore(Caller caller, string import, int handle, int pointer, int length, bool wait)
    {
        int status = Guarded(caller, import, (handle, pointer, length, wait), static (guest, args) =>
        {
            (int handle, int pointer, int length, bool wait) = args;
            // Checked in this order (docs/guest-abi.md, "Which check wins"): the range, then the handle, then the target.
            if (!guest.Memory.TryGetSpan(pointer, length, out Span<byte> payload))
            {
                return (int)HoseStatus.BadPointer;
            }

            if (!guest.Handles.TryGet(handle, out IHoseSender? sender))
            {
                return (int)HoseStatus.BadHandle;
            }

            bool cut = false;
            long started = RoadrunnerMetrics.GuestSendDuration.Enabled ? System.Diagnostics.Stopwatch.GetTimestamp() : 0;
            HoseStatus status = wait
                ? sender.Send(payload, guest.BoundByPushDeadline(guest.Options.SendTimeout, out cut), guest.ShutdownToken)
                : sender.TrySend(payload);
            if (started != 0)
            {
                RoadrunnerMetrics.GuestSent(HoseMetrics.ModeOf(sender), status, started);
            }
            if (cut && status == HoseStatus.TimedOut)
            {
                guest.TrapIfPushOverran("send", force: true);
            }

            return (int)status;
        });

        return CountedFailure(status);
    }

    /// <summary>Counts a send (or commit) that failed, the caller's own bad arguments included; returns the status.</summary>
    internal static int CountedFailure(int status)
    {
        if (status != (int)HoseStatus.Ok && RoadrunnerMetrics.GuestSendFailures.Enabled)
        {
            RoadrunnerMetrics.GuestSendFailures.Add(1, new KeyValuePair<string, object?>("status", ((HoseStatus)status).ToString()));
        }

        return status;
    }

    private static int ReceiveCore(RoadrunnerGuest guest, int pointer, int capacity, TimeSpan wait)
    {
        // Check the whole buffer first, so a bad one fails the same way whether or not a payload is waiting.
        if (!guest.Memory.TryGetSpan(pointer, capacity, out _))
        {
            return (int)HoseStatus.BadPointer;
        }

        HoseStatus next = PeekOrWait(guest, wait, out long length);
        if (next != HoseStatus.Ok)
        {
            return (int)next;
        }

        if (length > capacity)
        {
            return (int)HoseStatus.BufferTooSmall;
        }

        if (!guest.InboxHose.TryTake(out RegionPayload? payload))
        {
            return (int)HoseStatus.WouldBlock;
        }

        try
        {
            // Memory cannot have moved since the check above (no call into wasm in between), but re-read it anyway.
            if (!guest.Memory.TryGetSpan(pointer, (int)payload.Length, out Span<byte> destination))
            {
                return (int)HoseStatus.BadPointer;
            }

            payload.CopyTo(destination);
            RoadrunnerMetrics.Transferred(guest.Name, mapped: false);
            RoadrunnerActivity.Ended(RoadrunnerActivity.StartQueuedDeliver(guest.Name, payload), HoseStatus.Ok); // pulled by the guest
            return (int)payload.Length;
        }
        finally
        {
            payload.Release();
        }
    }

    /// <summary>
    /// Finds the guest behind the caller and runs the import; any exception becomes <c>RR_INTERNAL</c>, except the
    /// deliberate trap of a push handler past its time limit (checked before and after the import, so nothing a
    /// handler asks for runs past it). Bodies are static lambdas with their arguments passed as a tuple, so a call
    /// allocates nothing.
    /// </summary>
    internal static int Guarded<TArgs>(Caller caller, string import, TArgs args, Func<RoadrunnerGuest, TArgs, int> body)
    {
        try
        {
            if (caller.GetData() is not RoadrunnerGuest guest)
            {
                return (int)HoseStatus.Internal;
            }

            guest.TrapIfPushOverran(import);
            if (!guest.Memory.IsBound)
            {
                guest.Memory.BindFrom(caller);
            }

            int result = body(guest, args);
            guest.TrapIfPushOverran(import);
            return result;
        }
        catch (Exception e) when (e is not PushDeadlineExceededException)
        {
            return (int)HoseStatus.Internal;
        }
    }
}
