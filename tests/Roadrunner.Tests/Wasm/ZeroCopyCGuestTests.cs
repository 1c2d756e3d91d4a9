using System.Runtime.Versioning;
using Roadrunner.Hosting;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Wasm;

/// <summary>The C example guest/c/examples/zero_copy.c, written from roadrunner.h alone, claims, commits and receives mapped payloads.</summary>
[SupportedOSPlatform("linux")]
public class ZeroCopyCGuestTests : FolderTest
{
    [Test]
    public async Task AClaimedPayloadFromTheCGuestArrivesMappedAboveTheCrossoverAndCopiedBelow()
    {
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions: false));
        WasmFunction producer = host.LoadFile("producer", CGuests.PathOf("zero_copy"));
        WasmFunction sink = host.LoadFile("zc-sink", CGuests.PathOf("zero_copy"));
        Assert.That(producer.Run(i => i.GetFunction<int>("abi")!()), Is.EqualTo(2));

        // Small and large in turn: the sink's malloc (copies) and its windows (memory.grow) interleave.
        int[] sizes = [1000, 3 * 1024 * 1024, 2000, 10_000_000, 100_000, 5 * 1024 * 1024 + 3];
        for (int n = 0; n < sizes.Length; n++)
        {
            int length = sizes[n];
            Assert.That(producer.Run(i => i.GetFunction<int, int, int>("produce")!(length, n + 1)), Is.Zero, $"produce {length}");
            Assert.Multiple(() =>
            {
                Assert.That(sink.Run(i => i.GetFunction<int>("message_count")!()), Is.EqualTo(n + 1));
                Assert.That(sink.Run(i => i.GetFunction<int>("last_length")!()), Is.EqualTo(length));
                Assert.That(sink.Run(i => i.GetFunction<long>("checksum")!()), Is.EqualTo(CGuests.Checksum(CGuests.ProducerPattern(length, n + 1))), $"checksum at {length}");
                Assert.That(sink.Run(i => i.GetFunction<int>("last_in_window")!()), Is.EqualTo(length >= 256 * 1024 ? 1 : 0), $"mapped at {length}");
            });
        }

        Assert.That(host.Pool.LeasedBytes, Is.Zero);
    }
}
