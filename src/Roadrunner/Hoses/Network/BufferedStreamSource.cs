using System.Buffers;

namespace Roadrunner.Hoses.Network;

/// <summary>
/// Reads a frame body straight into its destination: first the bytes the pipe already buffered, then the rest with
/// blocking reads from the stream itself (no pipe read is pending then), so large bodies skip the pipe's buffers.
/// </summary>
internal sealed class BufferedStreamSource(ReadOnlySequence<byte> buffered, Stream stream)
{
    private ReadOnlySequence<byte> _rest = buffered;

    /// <summary>True once bytes past the pipe's buffer were read from the stream (so the whole buffer is consumed).</summary>
    public bool Drained { get; private set; }

    /// <summary>Where the consumed part of the pipe's buffer ends (meaningless once <see cref="Drained"/>).</summary>
    public SequencePosition Position => _rest.Start;

    public void ReadExactly(Span<byte> destination)
    {
        if (!_rest.IsEmpty && !destination.IsEmpty)
        {
            int n = (int)Math.Min(_rest.Length, destination.Length);
            _rest.Slice(0, n).CopyTo(destination);
            _rest = _rest.Slice(n);
            destination = destination[n..];
        }

        if (!destination.IsEmpty)
        {
            Drained = true;
            stream.ReadExactly(destination);
        }
    }
}
