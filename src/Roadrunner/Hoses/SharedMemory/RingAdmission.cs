using Roadrunner.Regions;

namespace Roadrunner.Hoses.SharedMemory;

/// <summary>
/// Looks at a ring file a sender created for this endpoint and decides whether to serve it: the file must be ours,
/// sized for its slot count, of this ring format, name a function here and come from a live sender whose tag matches.
/// A refusal is written into the ring, so the sender learns it at once.
/// </summary>
internal static unsafe class RingAdmission
{
    /// <summary>Outcome of looking at a ring file.</summary>
    public enum Result
    {
        /// <summary>Serving it.</summary>
        Accepted,

        /// <summary>Its header is not complete yet: look again later.</summary>
        NotReady,

        /// <summary>Refused for good.</summary>
        Refused,
    }

    /// <summary>Checks a ring file and, when it is sound, makes its receiver (not started yet).</summary>
    public static Result TryAccept(SharedMemoryEndpoint endpoint, string path, string senderTag, out RingReceiver? receiver, out string? reason)
    {
        receiver = null;
        reason = null;
        if (!RendezvousFolder.IsTrustedFile(path))
        {
            reason = "not a regular file owned by this user";
            return Result.Refused;
        }

        long length;
        try
        {
            length = new FileInfo(path).Length;
        }
        catch (IOException e)
        {
            reason = e.Message;
            return Result.Refused;
        }

        if (length == 0)
        {
            return Result.NotReady; // being sized
        }

        if (length < RingLayout.FileSize(2) || length > RingLayout.FileSize(65536))
        {
            reason = $"size {length}";
            return Result.Refused;
        }

        MappedRegion control;
        try
        {
            control = MappedRegion.OpenExisting(path, (int)length);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            reason = e.Message;
            return Result.Refused;
        }

        var header = new RingHeader(control.Pointer);
        uint magic = header.Magic;
        if (magic != RingLayout.Magic)
        {
            ((IDisposable)control).Dispose();
            if (magic == 0)
            {
                return Result.NotReady;
            }

            reason = "bad magic";
            return Result.Refused;
        }

        reason = CheckHeader(header, length, senderTag, out int slots, out string name, out PeerIdentity sender);
        InProcessHose? inbox = reason is null ? endpoint.FindInbox(name) : null;
        if (reason is null && inbox is null)
        {
            reason = $"no function '{name}' here";
            header.Refuse(HoseStatus.UnknownTarget);
            ((IDisposable)control).Dispose();
            return Result.Refused;
        }

        if (reason is not null)
        {
            header.Refuse(HoseStatus.PeerFailed);
            ((IDisposable)control).Dispose();
            return Result.Refused;
        }

        header.MarkAccepted(PeerIdentity.Current);
        receiver = new RingReceiver(endpoint, name, control, slots, inbox!, sender, senderTag);
        return Result.Accepted;
    }

    private static string? CheckHeader(RingHeader header, long length, string senderTag, out int slots, out string name, out PeerIdentity sender)
    {
        slots = header.SlotCount;
        name = string.Empty;
        sender = default;
        if (header.Version != RingLayout.Version || header.SlotSize != RingLayout.SlotSize)
        {
            return $"ring format version {header.Version} with {header.SlotSize}-byte slots; this receiver reads version {RingLayout.Version} with {RingLayout.SlotSize}-byte slots (the sender runs another Roadrunner release)";
        }

        if (slots < 2 || slots > 65536 || (slots & (slots - 1)) != 0 || RingLayout.FileSize(slots) != length)
        {
            return $"slot count {slots} does not match the file";
        }

        int nameLength = header.NameLength;
        int tagLength = header.TagLength;
        if (nameLength is < 1 or > RingHeader.MaxNameBytes || tagLength is < 1 or > RingHeader.MaxTagBytes)
        {
            return "bad name or tag length";
        }

        string? read = header.ReadName(nameLength);
        if (read is null)
        {
            return "name is not UTF-8";
        }

        name = read;
        if (header.ReadTag(tagLength) != senderTag)
        {
            return "sender tag differs from the file name";
        }

        sender = header.Sender;
        if (sender.ProcessId != RendezvousFolder.PidOf(senderTag))
        {
            return "sender pid differs from its tag";
        }

        return sender.IsAlive() ? null : "sender is not alive";
    }
}
