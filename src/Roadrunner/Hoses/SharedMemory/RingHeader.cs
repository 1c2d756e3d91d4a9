using System.Text;

namespace Roadrunner.Hoses.SharedMemory;

/// <summary>
/// A typed view of a ring control file's header page, shared by both sides: its byte map below is the only place
/// that knows where a header field sits, and this type the only code that turns those offsets into pointers. Counters
/// that one side writes and the other reads sit on their own 64-byte lines. Fields the peer writes are read once, with
/// a fence where the protocol needs one; every value read from here still has to be checked by its caller (the peer
/// may be hostile). Slots and released marks follow the header (<see cref="RingLayout"/>). See docs/cross-process.md.
/// <code>
///    0  u32 magic 'RRSH'    4 u32 version (4) 8 i32 slot count      12 i32 slot size (192)
///   16  i32 sender pid     24 i64 sender start time                  32 i32 receiver pid   40 i64 receiver start
///   48  i32 name length    52 i32 sender tag length
///   64  i32 head: descriptors published (sender writes; the receiver's futex)   68 i32 receiver waiting
///  128  i32 tail: descriptors taken and handled, bytes mapped or copied (receiver writes)
///  192  i32 release count (receiver writes; the sender's futex)                196 i32 sender waiting
///  256  i32 state flags     260 i32 failure status
///  512  name (UTF-8, up to 255 bytes)        768 sender's region tag (ASCII, up to 64 bytes)
/// </code>
/// </summary>
internal readonly unsafe struct RingHeader
{
    /// <summary>Longest function name, in UTF-8 bytes.</summary>
    public const int MaxNameBytes = 255;

    /// <summary>Longest sender tag, in ASCII bytes.</summary>
    public const int MaxTagBytes = 64;

    private const int MagicOffset = 0;
    private const int VersionOffset = 4;
    private const int SlotCountOffset = 8;
    private const int SlotSizeOffset = 12;
    private const int SenderPidOffset = 16;
    private const int SenderStartOffset = 24;
    private const int ReceiverPidOffset = 32;
    private const int ReceiverStartOffset = 40;
    private const int NameLengthOffset = 48;
    private const int TagLengthOffset = 52;
    private const int HeadOffset = 64;
    private const int ReceiverWaitingOffset = 68;
    private const int TailOffset = 128;
    private const int ReleaseCountOffset = 192;
    private const int SenderWaitingOffset = 196;
    private const int StateOffset = 256;
    private const int FailureOffset = 260;
    private const int NameOffset = 512;
    private const int TagOffset = 768;

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
    public int* Head => (int*)(_p + HeadOffset);

    /// <summary>Set while the receiver sleeps on <see cref="Head"/>.</summary>
    public int* ReceiverWaiting => (int*)(_p + ReceiverWaitingOffset);

    /// <summary>Counts the receiver's releases (the sender's futex).</summary>
    public int* ReleaseCount => (int*)(_p + ReleaseCountOffset);

    /// <summary>Set while the sender sleeps on <see cref="ReleaseCount"/>.</summary>
    public int* SenderWaiting => (int*)(_p + SenderWaitingOffset);

    public uint Magic => Volatile.Read(ref *(uint*)(_p + MagicOffset));

    public uint Version => *(uint*)(_p + VersionOffset);

    public int SlotCount => *(int*)(_p + SlotCountOffset);

    public int SlotSize => *(int*)(_p + SlotSizeOffset);

    public int NameLength => *(int*)(_p + NameLengthOffset);

    public int TagLength => *(int*)(_p + TagLengthOffset);

    public PeerIdentity Sender => new(*(int*)(_p + SenderPidOffset), *(long*)(_p + SenderStartOffset));

    /// <summary>The failure status the receiver reported (meaningful once <see cref="RingLayout.ReceiverClosed"/> is set).</summary>
    public int Failure => Volatile.Read(ref *(int*)(_p + FailureOffset));

    /// <summary>
    /// Writes a new ring's header; the magic goes last, so a receiver sees a complete header or none. The
    /// <paramref name="version"/> is this release's format (tests forge other releases' rings).
    /// </summary>
    public static void Create(byte* control, int slots, PeerIdentity sender, string name, string senderTag, uint version = RingLayout.Version)
    {
        *(int*)(control + SlotCountOffset) = slots;
        *(int*)(control + SlotSizeOffset) = RingLayout.SlotSize;
        *(int*)(control + SenderPidOffset) = sender.ProcessId;
        *(long*)(control + SenderStartOffset) = sender.StartTime;
        int nameLength = Encoding.UTF8.GetBytes(name, new Span<byte>(control + NameOffset, MaxNameBytes));
        *(int*)(control + NameLengthOffset) = nameLength;
        int tagLength = Encoding.ASCII.GetBytes(senderTag, new Span<byte>(control + TagOffset, MaxTagBytes));
        *(int*)(control + TagLengthOffset) = tagLength;
        *(uint*)(control + VersionOffset) = version;
        Interlocked.MemoryBarrier();
        Volatile.Write(ref *(uint*)(control + MagicOffset), RingLayout.Magic); // last: the header is complete
    }

    /// <summary>The function's name (checked length), or null when it is not UTF-8.</summary>
    public string? ReadName(int length)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(_p + NameOffset, length);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>The sender's region tag (checked length).</summary>
    public string ReadTag(int length) => Encoding.ASCII.GetString(_p + TagOffset, length);

    /// <summary>The receiver took the hose: records who serves it, then sets <see cref="RingLayout.Accepted"/>.</summary>
    public void MarkAccepted(PeerIdentity receiver)
    {
        *(int*)(_p + ReceiverPidOffset) = receiver.ProcessId;
        *(long*)(_p + ReceiverStartOffset) = receiver.StartTime;
        SetState(RingLayout.Accepted);
    }

    /// <summary>The state flags (<see cref="RingLayout.Accepted"/>, …).</summary>
    public int State => Volatile.Read(ref *(int*)(_p + StateOffset));

    /// <summary>True when any of the state <paramref name="flags"/> is set.</summary>
    public bool HasState(int flags) => (State & flags) != 0;

    public void SetState(int flags) => Interlocked.Or(ref *(int*)(_p + StateOffset), flags);

    /// <summary>The receiver stops taking payloads: reports why and wakes a sender waiting for room.</summary>
    public void Refuse(HoseStatus status)
    {
        Volatile.Write(ref *(int*)(_p + FailureOffset), (int)status);
        SetState(RingLayout.ReceiverClosed);
        Futex.WakeAll(ReleaseCount);
    }

    /// <summary>Publishes descriptors up to <paramref name="head"/> (a full fence first) and wakes a sleeping receiver.</summary>
    public void PublishAndWake(int head)
    {
        Interlocked.Exchange(ref *Head, head);
        Futex.WakeAll(Head);
    }

    /// <summary>Records how many descriptors the receiver took.</summary>
    public void SetTail(long taken) => Volatile.Write(ref *(int*)(_p + TailOffset), (int)taken);

    /// <summary>Descriptors the receiver has taken and handled (their bytes mapped or copied), modulo 2³².</summary>
    public int Tail => Volatile.Read(ref *(int*)(_p + TailOffset));

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
