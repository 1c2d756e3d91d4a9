using Roadrunner.Hoses;
using Roadrunner.Regions;
using Wasmtime;

namespace Roadrunner.Wasm;

/// <summary>
/// Maps a payload's file pages (its regions, or the range of the sender's memory file it was committed from) into a push receiver that exports <c>rr_alloc_window</c>, copy-on-write (the
/// receiver's writes reach neither the sender nor other receivers), for the duration of its handler; then maps the
/// receiver's own memory back. Every receiver of a fan-out maps the same pages: no copy per receiver.
/// </summary>
internal sealed class MappedDelivery(RoadrunnerGuest guest, Func<int, int> allocWindow)
{
    /// <summary>What <see cref="TryOpen"/> did.</summary>
    public enum Outcome
    {
        /// <summary>The payload is mapped at the window: run the handler, then <see cref="Close"/>.</summary>
        Mapped,

        /// <summary>Nothing mapped (the guest answered 0, or the kernel refused): copy instead.</summary>
        Declined,

        /// <summary>The guest trapped (it is faulted) or gave a bad window: a refusal.</summary>
        Refused,
    }

    /// <summary>True when a payload of this length would be mapped: at or above the threshold, memory in a file.</summary>
    public bool CanMap(long length) =>
        length > 0 && length >= guest.Options.MappingThreshold && length <= int.MaxValue && guest.Windows.FileOf(guest.Memory) is not null;

    /// <summary>Asks the guest for a window, checks it and maps the payload's pages there (the caller is inside the guest).</summary>
    public Outcome TryOpen(ReadOnlySpan<FilePages> pieces, int length, out uint start, out nuint mapped)
    {
        start = 0;
        mapped = 0;
        int address;
        try
        {
            address = allocWindow(length);
        }
        catch (WasmtimeException e)
        {
            guest.Fault($"{PushExports.AllocWindow}({length}) trapped: {e.Message}");
            return Outcome.Refused;
        }

        if (address == 0)
        {
            return Outcome.Declined;
        }

        // Checked after the call: rr_alloc_window may have grown the memory.
        start = (uint)address;
        GuestMemoryFile? file = guest.Windows.FileOf(guest.Memory);
        if (!guest.Windows.CanOpen(start, GuestWindows.SpanOf((ulong)length), guest.Memory.Size) || file is null)
        {
            return Outcome.Refused;
        }

        if (!file.InFile(start, (nuint)GuestWindows.SpanOf((ulong)length)))
        {
            return Outcome.Declined; // a good window over pages detached from the file (see GuestMemoryFile.Detach): copy
        }

        try
        {
            mapped = PageMapping.Map(file, start, pieces, length, copyOnWrite: true);
        }
        catch (IOException)
        {
            return Outcome.Declined;
        }

        guest.Windows.BeginReceive(start, GuestWindows.SpanOf((ulong)length));
        return Outcome.Mapped;
    }

    /// <summary>
    /// Maps the guest's own memory back over the window (after the handler returned, trapped or ran out of time). If
    /// the kernel refuses, the guest is faulted (never called again) and a region payload keeps a reference for ever,
    /// so regions still mapped into a guest are never handed to anyone else.
    /// </summary>
    public void Close(uint start, nuint mapped, RegionPayload? payload)
    {
        guest.Windows.EndReceive();
        GuestMemoryFile? file = guest.Windows.FileOf(guest.Memory);
        try
        {
            file?.CloseWindow(start, mapped);
        }
        catch (IOException e)
        {
            payload?.AddReference();
            guest.Fault($"its own pages could not be mapped back after a mapped payload: {e.Message}");
        }
    }
}
