using Roadrunner.Diagnostics;
using Roadrunner.Regions;
using Wasmtime;

namespace Roadrunner.Wasm;

/// <summary>
/// The zero-copy pull imports of ABI version 2: <c>receive_window(ptr, cap)</c> takes the next queued payload into a
/// window of the caller's memory, mapping its pages there copy-on-write when it can (at or above the mapping threshold,
/// memory in a file) and copying otherwise; the window holds the payload until <c>release(ptr)</c>, which puts the
/// guest's own pages back and gives the regions back to their owner. <c>receive_window_wait(ptr, cap, timeout_ms)</c> is
/// the same, waiting for a payload as <c>receive_wait</c> does.
/// </summary>
internal static class ReceiveWindowImports
{
    public static int ReceiveWindow(Caller caller, int pointer, int capacity) =>
        HoseImports.Guarded(caller, "receive_window", (pointer, capacity), static (guest, args) => Receive(guest, (uint)args.pointer, (uint)args.capacity, TimeSpan.Zero));

    /// <summary><c>receive_window</c> that waits for a payload like <c>receive_wait</c> (the same caps on the wait).</summary>
    public static int ReceiveWindowWait(Caller caller, int pointer, int capacity, int timeoutMilliseconds) =>
        HoseImports.Guarded(caller, "receive_window_wait", (pointer, capacity, timeoutMilliseconds), static (guest, args) =>
            HoseImports.Waiting(guest, "receive_window_wait", args.timeoutMilliseconds, (args.pointer, args.capacity), static (guest, args, wait) => Receive(guest, (uint)args.pointer, (uint)args.capacity, wait)));

    public static int Release(Caller caller, int pointer) => HoseImports.Guarded(caller, "release", pointer, static (guest, pointer) =>
    {
        HeldWindow? window = guest.Windows.TakeHeld((uint)pointer);
        if (window is null)
        {
            return (int)HoseStatus.BadPointer;
        }

        if (!window.Release())
        {
            guest.Fault("its own pages could not be mapped back over a released window");
            return (int)HoseStatus.Internal;
        }

        return (int)HoseStatus.Ok;
    });

    private static int Receive(RoadrunnerGuest guest, uint start, uint capacity, TimeSpan wait)
    {
        // Checked in the documented order: the window, then the inbox.
        ulong span = GuestWindows.SpanOf(capacity);
        if (!guest.Windows.CanOpen(start, span, guest.Memory.Size))
        {
            return (int)HoseStatus.BadPointer;
        }

        HoseStatus next = HoseImports.PeekOrWait(guest, wait, out long length);
        if (next != HoseStatus.Ok)
        {
            return (int)next;
        }

        if (length > capacity || length > int.MaxValue)
        {
            return (int)HoseStatus.BufferTooSmall;
        }

        if (guest.Windows.Count >= GuestWindows.MaxWindows)
        {
            return (int)HoseStatus.TooManyHandles;
        }

        if (!guest.InboxHose.TryTake(out RegionPayload? payload))
        {
            return (int)HoseStatus.WouldBlock;
        }

        RoadrunnerActivity.Ended(RoadrunnerActivity.StartQueuedDeliver(guest.Name, payload), HoseStatus.Ok);
        GuestMemoryFile? file = guest.Windows.FileOf(guest.Memory);
        if (payload.Length > 0 && payload.Length >= guest.Options.MappingThreshold && file is not null && PageMapping.PiecesOf(payload) is { } pieces)
        {
            try
            {
                nuint mapped = PageMapping.Map(file, start, pieces, payload.Length, copyOnWrite: true);
                guest.Windows.Add(new HeldWindow(start, span, file, mapped, payload)); // keeps the payload's reference
                RoadrunnerMetrics.Transferred(guest.Name, mapped: true);
                return (int)payload.Length;
            }
            catch (IOException)
            {
                // The kernel refused a mapping (the memory's pages are back): copy instead.
            }
        }

        try
        {
            if (!guest.Memory.TryGetSpan((int)start, (int)payload.Length, out Span<byte> destination))
            {
                return (int)HoseStatus.BadPointer; // cannot happen: checked above and memory never shrinks
            }

            payload.CopyTo(destination);
            guest.Windows.Add(new HeldWindow(start, span, file: null, 0, payload: null));
            RoadrunnerMetrics.Transferred(guest.Name, mapped: false);
            return (int)payload.Length;
        }
        finally
        {
            payload.Release();
        }
    }
}
