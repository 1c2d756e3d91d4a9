namespace Roadrunner.Hoses.SharedMemory;

/// <summary>
/// Byte layout of a hose's control file (one file per sender → function hose). Counters that one side writes and the
/// other reads sit on their own 64-byte lines. See docs/cross-process.md.
/// <code>
///    0  u32 magic 'RRSH'    4 u32 version (4) 8 i32 slot count      12 i32 slot size (192)
///   16  i32 sender pid     24 i64 sender start time                  32 i32 receiver pid   40 i64 receiver start
///   48  i32 name length    52 i32 sender tag length
///   64  i32 head: descriptors published (sender writes; the receiver's futex)   68 i32 receiver waiting
///  128  i32 tail: descriptors taken (receiver writes)
///  192  i32 release count (receiver writes; the sender's futex)                196 i32 sender waiting
///  256  i32 state flags     260 i32 failure status
///  512  name (UTF-8, up to 255 bytes)        768 sender's region tag (ASCII, up to 64 bytes)
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

    public const int MagicOffset = 0;
    public const int VersionOffset = 4;
    public const int SlotCountOffset = 8;
    public const int SlotSizeOffset = 12;
    public const int SenderPidOffset = 16;
    public const int SenderStartOffset = 24;
    public const int ReceiverPidOffset = 32;
    public const int ReceiverStartOffset = 40;
    public const int NameLengthOffset = 48;
    public const int TagLengthOffset = 52;
    public const int HeadOffset = 64;
    public const int ReceiverWaitingOffset = 68;
    public const int TailOffset = 128;
    public const int ReleaseCountOffset = 192;
    public const int SenderWaitingOffset = 196;
    public const int StateOffset = 256;
    public const int FailureOffset = 260;
    public const int NameOffset = 512;
    public const int MaxNameBytes = 255;
    public const int TagOffset = 768;
    public const int MaxTagBytes = 64;

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
