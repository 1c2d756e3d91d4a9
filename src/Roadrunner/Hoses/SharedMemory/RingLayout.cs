namespace Roadrunner.Hoses.SharedMemory;

/// <summary>
/// The ring format: version, sizes and flags, and where the slots and released marks sit after the header page (whose
/// byte map is <see cref="RingHeader"/>; a slot's is <see cref="Descriptor"/>). See docs/cross-process.md.
/// <code>
///    0  header (<see cref="HeaderSize"/> bytes, see <see cref="RingHeader"/>)
/// 4096  descriptors[slot count], 192 bytes each: i64 sequence, i64 region number, i32 region size, i32 offset,
///       i32 length, i32 flags, i64 payload length, i64 memory size (borrowed descriptors only, else 0),
///       at 48 the sender's W3C trace context (16 trace id, 8 parent span id, 1 trace flags; all zero: none),
///       3 reserved, then at 80 up to 112 payload bytes (inline descriptors only)
///  ...  released[slot count]: i64, sequence + 1 once the receiver gave that descriptor's bytes back; for a borrowed
///       descriptor first pending / taking / revoked (negative, see <see cref="BorrowPending"/>)
/// </code>
/// </summary>
internal static class RingLayout
{
    public const uint Magic = 0x48535252; // "RRSH"
    /// <summary>The ring format; 4 added the trace context to every descriptor (and grew the slot to 192 bytes).</summary>
    public const uint Version = 4;
    public const int SlotSize = 192;

    /// <summary>Where the sender's trace context (<see cref="Diagnostics.TraceContext.Size"/> bytes) sits in a slot.</summary>
    public const int TraceOffset = 48;

    /// <summary>Where an inline payload starts in its slot (after the descriptor's fields and trace context).</summary>
    public const int InlineOffset = 80;

    /// <summary>Largest payload carried in the slot itself.</summary>
    public const int MaxInlineBytes = SlotSize - InlineOffset;
    public const int HeaderSize = 4096;

    /// <summary>State flag: the receiver took the hose and serves it.</summary>
    public const int Accepted = 1;

    /// <summary>State flag: the sender completed; the receiver drains what is published, then stops.</summary>
    public const int SenderCompleted = 2;

    /// <summary>State flag: the receiver stopped taking payloads (closed or failed, see the failure status).</summary>
    public const int ReceiverClosed = 4;

    /// <summary>Descriptor flag: more chunks of the same payload follow.</summary>
    public const int MoreChunks = 1;

    /// <summary>Descriptor flag: the payload is larger than the bytes in flight; the receiver copies each chunk out at once.</summary>
    public const int Streamed = 2;

    /// <summary>
    /// Descriptor flag: the bytes are borrowed from the sending guest's memory file (not a pooled region). The offset is
    /// unsigned, the memory size field says how large the file is, and the sender waits until the receiver has copied
    /// the bytes out; its released mark goes pending → taking → released, or pending → revoked when the sender gives up.
    /// </summary>
    public const int Borrowed = 4;

    /// <summary>
    /// Descriptor flag: the payload (at most <see cref="MaxInlineBytes"/>) sits in the slot itself, after the fields: no
    /// region to rent, fill, map or give back, which is most of what a small message costs.
    /// </summary>
    public const int Inline = 8;

    /// <summary>Released mark of a borrowed descriptor the receiver has not taken yet.</summary>
    public static long BorrowPending(long sequence) => -((sequence * 4) + 1);

    /// <summary>Released mark of a borrowed descriptor whose bytes the receiver is copying now.</summary>
    public static long BorrowTaking(long sequence) => -((sequence * 4) + 2);

    /// <summary>Released mark of a borrowed descriptor the sender withdrew (timed out or cancelled): the receiver skips it.</summary>
    public static long BorrowRevoked(long sequence) => -((sequence * 4) + 3);

    /// <summary>Size of the control file for <paramref name="slots"/> descriptors.</summary>
    public static int FileSize(int slots) => HeaderSize + (slots * SlotSize) + (slots * sizeof(long));

    /// <summary>Offset of descriptor <paramref name="index"/>.</summary>
    public static int SlotOffset(int index) => HeaderSize + (index * SlotSize);

    /// <summary>Offset of the released mark of descriptor <paramref name="index"/>.</summary>
    public static int ReleasedOffset(int slots, int index) => HeaderSize + (slots * SlotSize) + (index * sizeof(long));
}
