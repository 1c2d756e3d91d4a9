namespace Roadrunner.Hoses.Network;

/// <summary>A served connection's read side: times every read made while <see cref="ReceiveMeter.Metering"/> is on.</summary>
internal sealed class MeteredStream(Stream inner, ReceiveMeter meter) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (!meter.Metering)
        {
            return inner.Read(buffer);
        }

        long start = meter.Begin();
        int n = 0;
        try
        {
            n = inner.Read(buffer);
            return n;
        }
        finally
        {
            meter.End(start, n);
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
