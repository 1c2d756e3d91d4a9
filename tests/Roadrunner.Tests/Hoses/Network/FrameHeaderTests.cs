using Roadrunner.Hoses.Network;

namespace Roadrunner.Tests.Hoses.Network;

public class FrameHeaderTests
{
    [Test]
    public void RoundTrips()
    {
        var header = new FrameHeader(FrameKind.Data, FrameFlags.First | FrameFlags.Checksummed, 7, 4096, 1UL << 40, 0xdeadbeef, 123_456);
        byte[] bytes = header.ToArray();
        Assert.That(bytes, Has.Length.EqualTo(FrameHeader.Size));
        Assert.That(FrameHeader.Read(bytes, 4096), Is.EqualTo(header));
    }

    [TestCase(0, (byte)0x00, TestName = "RejectsBadMagic")]
    [TestCase(4, (byte)1, TestName = "RejectsTheOlderVersion")]
    [TestCase(4, (byte)3, TestName = "RejectsUnknownVersion")]
    [TestCase(5, (byte)0, TestName = "RejectsKindZero")]
    [TestCase(5, (byte)200, TestName = "RejectsUnknownKind")]
    [TestCase(7, (byte)1, TestName = "RejectsUnknownFlags")]
    public void RejectsBadFields(int offset, byte value)
    {
        byte[] bytes = new FrameHeader(FrameKind.Ack, 0, 1, 0, 1, 0, 0).ToArray();
        bytes[offset] = value;
        Assert.Throws<ProtocolException>(() => FrameHeader.Read(bytes, 1024));
    }

    [Test]
    public void RejectsFramesOverTheMaximum()
    {
        byte[] bytes = new FrameHeader(FrameKind.Data, FrameFlags.First, 1, 1025, 1, 0, 1025).ToArray();
        Assert.Throws<ProtocolException>(() => FrameHeader.Read(bytes, 1024));
        Assert.DoesNotThrow(() => FrameHeader.Read(bytes, 1025));
    }

    [Test]
    public void Crc32CMatchesTheKnownVectorInAnyChunking()
    {
        byte[] data = "123456789"u8.ToArray();
        Assert.That(Crc32C.Compute(data), Is.EqualTo(0xE3069283u));
        uint crc = Crc32C.Append(Crc32C.Seed, data.AsSpan(0, 3));
        crc = Crc32C.Append(crc, data.AsSpan(3));
        Assert.That(Crc32C.Finish(crc), Is.EqualTo(0xE3069283u));
    }
}
