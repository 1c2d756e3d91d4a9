using Roadrunner.Diagnostics;
using Roadrunner.Hoses;
using Wasmtime;

namespace Roadrunner.Wasm;

/// <summary>
/// The zero-copy sender imports of ABI version 2 (<c>abi_version</c>, <c>claim</c>, <c>commit</c>, <c>abort</c>): a
/// guest writes a payload straight into regions mapped over a window of its own memory, and a commit hands the regions
/// on with no copy. Below the mapping threshold, to targets that hand out no regions, or for memories not in files, the
/// window stays the guest's own memory and commit copies it once, like <c>send</c>: the guest cannot tell.
/// </summary>
internal static class ClaimImports
{
    /// <summary>The guest ABI version this host speaks.</summary>
    public const int AbiVersion = 2;

    public static int Version(Caller caller) => AbiVersion;

    public static int Claim(Caller caller, int handle, int pointer, int length) =>
        HoseImports.Guarded(caller, "claim", (handle, pointer, length), static (guest, args) => ClaimCore(guest, args.handle, (uint)args.pointer, (uint)args.length));

    public static int Commit(Caller caller, int handle, int pointer, int length) =>
        HoseImports.Guarded(caller, "commit", (handle, pointer, length), static (guest, args) => CommitCore(guest, args.handle, (uint)args.pointer, (uint)args.length));

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

        if (guest.Windows.ClaimedCount >= GuestWindows.MaxClaims)
        {
            return (int)HoseStatus.TooManyHandles;
        }

        var window = new ClaimedWindow(start, length, handle, sender);
        GuestMemoryFile? file = guest.Windows.FileOf(guest.Memory);
        if (length > 0 && length >= guest.Options.MappingThreshold && file is not null && sender is IRegionClaimTarget target)
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
        if (!PageMapping.CanMap(ticket.Payload))
        {
            return false;
        }

        try
        {
            window.Mapped(ticket, file, PageMapping.Map(file, window.Start, ticket.Payload, copyOnWrite: false));
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

        guest.Windows.Remove(window);
        HoseStatus status;
        if (window.Ticket is not { } ticket)
        {
            // Not mapped: the bytes are in the guest's own memory; send them (one copy).
            if (!guest.Memory.TryGetSpan((int)start, (int)length, out Span<byte> payload))
            {
                return (int)HoseStatus.BadPointer;
            }

            status = sender.Send(payload, guest.BoundByPushDeadline(guest.Options.SendTimeout, out bool cut), guest.ShutdownToken);
            RoadrunnerMetrics.Transferred(guest.Name, into: false, mapped: false);
            if (cut && status == HoseStatus.TimedOut)
            {
                guest.TrapIfPushOverran("commit", force: true);
            }

            return (int)status;
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
            return (int)HoseStatus.Internal; // the regions stay mapped and are never given back
        }

        ticket.Payload.Trim(length);
        status = ticket.Commit();
        RoadrunnerMetrics.Transferred(guest.Name, into: false, mapped: true);
        return (int)status;
    }
}
