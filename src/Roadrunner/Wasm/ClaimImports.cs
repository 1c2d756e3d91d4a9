using Roadrunner.Diagnostics;
using Roadrunner.Hoses;
using Wasmtime;

namespace Roadrunner.Wasm;

/// <summary>
/// The zero-copy sender imports of ABI version 2 (<c>abi_version</c>, <c>claim</c>, <c>commit</c>, <c>abort</c>). By
/// default a window stays the guest's own memory (kept in a file) and a commit offers an idle receiver its file pages to
/// map (no copy; the sender waits in <c>commit</c>, so the pages cannot change meanwhile); a busy receiver gets one copy
/// in regions, which it then maps. With <see cref="RoadrunnerGuestOptions.ClaimsMapRegions"/> a claim maps regions of
/// the target's pool over the window instead, so even queued and fanned-out payloads are never copied, at the price of
/// page-table work for every page on each claim. To another node the window goes out with <c>sendfile</c> from the
/// memory file (the commit waits for the Ack; one without an Ack detaches the window's pages from the file, see
/// <see cref="IPageSender.PagesOutliveFailedSends"/>). Below the mapping threshold, or for memories not in files, commit
/// copies once, like <c>send</c>: the guest cannot tell.
/// </summary>
internal static class ClaimImports
{
    /// <summary>The guest ABI version this host speaks.</summary>
    public const int AbiVersion = 2;

    public static int Version(Caller caller) => AbiVersion;

    public static int Claim(Caller caller, int handle, int pointer, int length) =>
        HoseImports.Guarded(caller, "claim", (handle, pointer, length), static (guest, args) => ClaimCore(guest, args.handle, (uint)args.pointer, (uint)args.length));

    /// <summary>A commit is a send: its failures and durations count with the sends'.</summary>
    public static int Commit(Caller caller, int handle, int pointer, int length) => HoseImports.CountedFailure(
        HoseImports.Guarded(caller, "commit", (handle, pointer, length), static (guest, args) => CommitCore(guest, args.handle, (uint)args.pointer, (uint)args.length)));

    public static int Abort(Caller caller, int handle, int pointer) => HoseImports.Guarded(caller, "abort", (handle, pointer), static (guest, args) =>
    {
        ClaimedWindow? window = guest.Windows.Find((uint)args.pointer);
        if (window is null)
        {
            return (int)HoseStatus.BadPointer;
        }

        if (window.Handle != args.handle)
        {
            return (int)HoseStatus.BadHandle;
        }

        guest.Windows.Remove(window);
        window.Release();
        return (int)HoseStatus.Ok;
    });

    private static int ClaimCore(RoadrunnerGuest guest, int handle, uint start, uint length)
    {
        // Checked in the documented order: the window, the handle, then the target.
        if (!guest.Windows.CanOpen(start, GuestWindows.SpanOf(length), guest.Memory.Size))
        {
            return (int)HoseStatus.BadPointer;
        }

        if (!guest.Handles.TryGet(handle, out IHoseSender? sender))
        {
            return (int)HoseStatus.BadHandle;
        }

        if (guest.Windows.Count >= GuestWindows.MaxWindows)
        {
            return (int)HoseStatus.TooManyHandles;
        }

        var window = new ClaimedWindow(start, length, handle, sender);
        GuestMemoryFile? file = guest.Windows.FileOf(guest.Memory);
        if (guest.Options.ClaimsMapRegions && length > 0 && length >= guest.Options.MappingThreshold && file is not null && sender is IRegionClaimTarget target)
        {
            TimeSpan wait = guest.BoundByPushDeadline(guest.Options.SendTimeout, out bool cut);
            HoseStatus status = target.TryClaim(length, guest.Windows.OwnerId, wait, guest.ShutdownToken, out RegionTicket? ticket);
            if (status != HoseStatus.Ok)
            {
                if (cut && status == HoseStatus.TimedOut)
                {
                    guest.TrapIfPushOverran("claim", force: true);
                }

                return (int)status;
            }

            if (!TryMap(window, ticket!, file))
            {
                ticket!.Abort(); // the window stays the guest's own memory: commit copies
            }
        }

        guest.Windows.Add(window);
        return (int)HoseStatus.Ok;
    }

    private static bool TryMap(ClaimedWindow window, RegionTicket ticket, GuestMemoryFile file)
    {
        if (PageMapping.PiecesOf(ticket.Payload) is not { } pieces)
        {
            return false;
        }

        try
        {
            window.Mapped(ticket, file, PageMapping.Map(file, window.Start, pieces, ticket.Payload.Length, copyOnWrite: false));
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static int CommitCore(RoadrunnerGuest guest, int handle, uint start, uint length)
    {
        ClaimedWindow? window = guest.Windows.Find(start);
        if (window is null || length > window.Length)
        {
            return (int)HoseStatus.BadPointer;
        }

        if (window.Handle != handle || !guest.Handles.TryGet(handle, out IHoseSender? sender) || sender != window.Sender)
        {
            return (int)HoseStatus.BadHandle;
        }

        if (length > int.MaxValue)
        {
            return (int)HoseStatus.TooLarge; // over every host's payload limit; the window stays claimed
        }

        guest.Windows.Remove(window);
        long started = RoadrunnerMetrics.GuestSendDuration.Enabled ? System.Diagnostics.Stopwatch.GetTimestamp() : 0;
        HoseStatus status = HandOver(guest, window, sender, length);
        if (started != 0)
        {
            RoadrunnerMetrics.GuestSent(HoseMetrics.ModeOf(sender), status, started);
        }

        return (int)status;
    }

    /// <summary>Sends the window's first <paramref name="length"/> bytes: its pages offered to the receiver, or its regions handed on.</summary>
    private static HoseStatus HandOver(RoadrunnerGuest guest, ClaimedWindow window, IHoseSender sender, uint length)
    {
        uint start = window.Start;
        HoseStatus status;
        if (window.Ticket is not { } ticket)
        {
            // The bytes are in the guest's own memory: an idle receiver may map them from its file, else they are copied once.
            if (!guest.Memory.TryGetSpan((int)start, (int)length, out Span<byte> payload))
            {
                return HoseStatus.BadPointer;
            }

            TimeSpan timeout = guest.BoundByPushDeadline(guest.Options.SendTimeout, out bool cut);
            GuestMemoryFile? file = guest.Windows.FileOf(guest.Memory);
            if (length > 0 && length >= guest.Options.MappingThreshold && file is not null && file.InFile(start, length) && sender is IPageSender pages)
            {
                status = pages.Send(payload, new FilePages(file.Handle, start, (int)length), timeout, guest.ShutdownToken);
                if (status != HoseStatus.Ok && pages.PagesOutliveFailedSends && !TryDetach(guest, file, start, length))
                {
                    return HoseStatus.Internal;
                }
            }
            else
            {
                status = sender.Send(payload, timeout, guest.ShutdownToken);
            }

            if (cut && status == HoseStatus.TimedOut)
            {
                guest.TrapIfPushOverran("commit", force: true);
            }

            return status;
        }

        // Bytes past the payload in its last page reach nobody: zero them in the region while it is still mapped.
        int tailLength = (int)(PageMapping.RoundUp(length, PageMapping.PageSize) - length);
        if (guest.Memory.TryGetSpan((int)(start + length), tailLength, out Span<byte> tail))
        {
            tail.Clear();
        }

        // The guest's own pages back before anyone else sees the regions: the sender can never change the payload now.
        if (!window.Unmap())
        {
            guest.Fault("its own pages could not be mapped back over a committed window");
            return HoseStatus.Internal; // the regions stay mapped and are never given back
        }

        ticket.Payload.Trim(length);
        return ticket.Commit();
    }

    /// <summary>
    /// Without the receiver's Ack a socket may still hold the window's file pages: detach them (the guest's next writes
    /// stay out of the file, docs/zero-copy.md). A kernel that refuses leaves the guest faulted, never called again.
    /// </summary>
    private static bool TryDetach(RoadrunnerGuest guest, GuestMemoryFile file, uint start, uint length)
    {
        try
        {
            file.Detach(start, length);
            return true;
        }
        catch (IOException e)
        {
            guest.Fault($"a window's pages could not be detached from a failed sendfile: {e.Message}");
            return false;
        }
    }
}
