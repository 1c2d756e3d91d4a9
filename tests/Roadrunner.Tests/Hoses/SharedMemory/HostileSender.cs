using System.Security.Cryptography;
using Roadrunner.Hoses.SharedMemory;
using Roadrunner.Regions;

namespace Roadrunner.Tests.Hoses.SharedMemory;

/// <summary>
/// A hand-made sender that writes rings and regions directly, the way a buggy or hostile peer could: it lets tests put
/// any descriptor in front of a real receiver.
/// </summary>
internal sealed unsafe class HostileSender : IDisposable
{
    private readonly string _folder;
    private readonly MappedRegion _ring;
    private readonly List<MappedRegion> _regions = [];
    private readonly RingHeader _header;

    public HostileSender(string folder, string receiverTag, string name, int slots = 8, uint version = RingLayout.Version)
    {
        _folder = folder;
        Tag = $"{Environment.ProcessId}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}";
        _ring = MappedRegion.Create(RendezvousFolder.RingPath(folder, receiverTag, Tag, 1), RingLayout.FileSize(slots));
        RingHeader.Create(_ring.Pointer, slots, PeerIdentity.Current, name, Tag, version);
        _header = new RingHeader(_ring.Pointer, slots);
        RingBell(folder, receiverTag);
    }

    public string Tag { get; }

    public byte* Ring => _ring.Pointer;

    public int State => _header.State;

    public int Failure => _header.Failure;

    public bool ReceiverClosed => (State & RingLayout.ReceiverClosed) != 0;

    /// <summary>Creates region file number <paramref name="number"/> filled with <paramref name="fill"/>.</summary>
    public MappedRegion AddRegion(long number, int size, byte fill)
    {
        MappedRegion region = MappedRegion.Create(RendezvousFolder.RegionPath(_folder, Tag, number), size);
        region.GetSpan().Fill(fill);
        _regions.Add(region);
        return region;
    }

    /// <summary>Sets the released mark of <paramref name="sequence"/>'s slot (a real sender marks borrowed descriptors pending).</summary>
    public void SetMark(long sequence, long value) =>
        Volatile.Write(ref *_header.ReleasedMark(sequence), value);

    /// <summary>The released mark of <paramref name="sequence"/>'s slot.</summary>
    public long Mark(long sequence) =>
        Volatile.Read(ref *_header.ReleasedMark(sequence));

    /// <summary>Writes an inline payload into <paramref name="sequence"/>'s slot, after the descriptor's fields.</summary>
    public void WriteInline(long sequence, ReadOnlySpan<byte> bytes) =>
        bytes.CopyTo(_header.InlineBytes(sequence, RingLayout.MaxInlineBytes));

    /// <summary>Writes a descriptor in its slot without publishing it.</summary>
    public void Write(Descriptor descriptor) => _header.WriteDescriptor(descriptor);

    /// <summary>Writes a descriptor in slot <c>sequence % slots</c> and moves the head to <paramref name="head"/>.</summary>
    public void Post(Descriptor descriptor, int head)
    {
        _header.WriteDescriptor(descriptor);
        _header.PublishAndWake(head);
    }

    public void Dispose()
    {
        foreach (MappedRegion region in _regions)
        {
            ((IDisposable)region).Dispose();
        }

        ((IDisposable)_ring).Dispose();
    }

    private static void RingBell(string folder, string tag)
    {
        using MappedRegion bell = MappedRegion.OpenExisting(RendezvousFolder.BellPath(folder, tag), 4096);
        Interlocked.Increment(ref *(int*)bell.Pointer);
        Futex.WakeAll((int*)bell.Pointer);
    }
}
