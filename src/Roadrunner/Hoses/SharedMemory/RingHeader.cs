using System.Text;

namespace Roadrunner.Hoses.SharedMemory;

/// <summary>
/// A typed view of a ring's control file, shared by both sides: the only code that turns the offsets of
/// <see cref="RingLayout"/> (the byte map) into pointers. Fields the peer writes are read once, with a fence where the
/// protocol needs one; every value read from here still has to be checked by its caller (the peer may be hostile).
/// </summary>
internal readonly unsafe struct RingHeader
{
    private readonly byte* _p;

    /// <param name="control">The mapped control file.</param>
    /// <param name="slots">The (checked) slot count; 0 while the header is still being checked.</param>
    public RingHeader(byte* control, int slots = 0)
    {
        _p = control;
        Slots = slots;
    }

    public int Slots { get; }

    /// <summary>Descriptors published (the sender writes it; the receiver's futex).</summary>
    public int* Head => (int*)(_p + RingLayout.HeadOffset);

    /// <summary>Set while the receiver sleeps on <see cref="Head"/>.</summary>
    public int* ReceiverWaiting => (int*)(_p + RingLayout.ReceiverWaitingOffset);

    /// <summary>Counts the receiver's releases (the sender's futex).</summary>
    public int* ReleaseCount => (int*)(_p + RingLayout.ReleaseCountOffset);

    /// <summary>Set while the sender sleeps on <see cref="ReleaseCount"/>.</summary>
    public int* SenderWaiting => (int*)(_p + RingLayout.SenderWaitingOffset);

    public uint Magic => Volatile.Read(ref *(uint*)(_p + RingLayout.MagicOffset));

    public uint Version => *(uint*)(_p + RingLayout.VersionOffset);

    public int SlotCount => *(int*)(_p + RingLayout.SlotCountOffset);

    public int SlotSize => *(int*)(_p + RingLayout.SlotSizeOffset);

    public int NameLength => *(int*)(_p + RingLayout.NameLengthOffset);

    public int TagLength => *(int*)(_p + RingLayout.TagLengthOffset);

    public PeerIdentity Sender => new(*(int*)(_p + RingLayout.SenderPidOffset), *(long*)(_p + RingLayout.SenderStartOffset));

    /// <summary>The failure status the receiver reported (meaningful once <see cref="RingLayout.ReceiverClosed"/> is set).</summary>
    public int Failure => Volatile.Read(ref *(int*)(_p + RingLayout.FailureOffset));

    /// <summary>Writes a new ring's header; the magic goes last, so a receiver sees a complete header or none.</summary>
    public static void Create(byte* control, int slots, PeerIdentity sender, string name, string senderTag)
    {
        *(int*)(control + RingLayout.SlotCountOffset) = slots;
        *(int*)(control + RingLayout.SlotSizeOffset) = RingLayout.SlotSize;
        *(int*)(control + RingLayout.SenderPidOffset) = sender.ProcessId;
        *(long*)(control + RingLayout.SenderStartOffset) = sender.StartTime;
        int nameLength = Encoding.UTF8.GetBytes(name, new Span<byte>(control + RingLayout.NameOffset, RingLayout.MaxNameBytes));
        *(int*)(control + RingLayout.NameLengthOffset) = nameLength;
        int tagLength = Encoding.ASCII.GetBytes(senderTag, new Span<byte>(control + RingLayout.TagOffset, RingLayout.MaxTagBytes));
        *(int*)(control + RingLayout.TagLengthOffset) = tagLength;
        *(uint*)(control + RingLayout.VersionOffset) = RingLayout.Version;
        Interlocked.MemoryBarrier();
        Volatile.Write(ref *(uint*)(control + RingLayout.MagicOffset), RingLayout.Magic); // last: the header is complete
    }

    /// <summary>The function's name (checked length), or null when it is not UTF-8.</summary>
    public string? ReadName(int length)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(_p + RingLayout.NameOffset, length);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>The sender's region tag (checked length).</summary>
    public string ReadTag(int length) => Encoding.ASCII.GetString(_p + RingLayout.TagOffset, length);

    /// <summary>The receiver took the hose: records who serves it, then sets <see cref="RingLayout.Accepted"/>.</summary>
    public void MarkAccepted(PeerIdentity receiver)
    {
        *(int*)(_p + RingLayout.ReceiverPidOffset) = receiver.ProcessId;
        *(long*)(_p + RingLayout.ReceiverStartOffset) = receiver.StartTime;
        SetState(RingLayout.Accepted);
    }

    /// <summary>True when any of the state <paramref name="flags"/> is set.</summary>
    public bool HasState(int flags) => (Volatile.Read(ref *(int*)(_p + RingLayout.StateOffset)) & flags) != 0;

    public void SetState(int flags) => Interlocked.Or(ref *(int*)(_p + RingLayout.StateOffset), flags);

    /// <summary>The receiver stops taking payloads: reports why and wakes a sender waiting for room.</summary>
    public void Refuse(HoseStatus status)
    {
        Volatile.Write(ref *(int*)(_p + RingLayout.FailureOffset), (int)status);
        SetState(RingLayout.ReceiverClosed);
        Futex.WakeAll(ReleaseCount);
    }

    /// <summary>Records how many descriptors the receiver took.</summary>
    public void SetTail(long taken) => Volatile.Write(ref *(int*)(_p + RingLayout.TailOffset), (int)taken);

    public Descriptor ReadDescriptor(long sequence) => Descriptor.Read(_p, SlotOf(sequence));

    public void WriteDescriptor(in Descriptor descriptor) => descriptor.Write(_p, SlotOf(descriptor.Sequence));

    /// <summary>The payload bytes of the inline descriptor <paramref name="sequence"/>.</summary>
    public Span<byte> InlineBytes(long sequence, int length) =>
        new(_p + RingLayout.SlotOffset(SlotOf(sequence)) + RingLayout.InlineOffset, length);

    /// <summary>The released mark of descriptor <paramref name="sequence"/> (see <see cref="RingLayout.BorrowPending"/>).</summary>
    public long* ReleasedMark(long sequence) => (long*)(_p + RingLayout.ReleasedOffset(Slots, SlotOf(sequence)));

    /// <summary>The slot of descriptor <paramref name="sequence"/> (slot counts are powers of two).</summary>
    public int SlotOf(long sequence) => (int)(sequence & (Slots - 1));
}
