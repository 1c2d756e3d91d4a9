using System.Buffers;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Roadrunner.Hosting;
using Roadrunner.Hoses.Network;
using Roadrunner.Regions;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Hoses.Network;

[CancelAfter(60_000)]
public class NetworkHoseTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Test]
    public async Task PayloadsAtBoundarySizesArriveIntactWithChecksums()
    {
        await using var bed = NetworkTestbed.Start(client: o => o.MaxFrameBytes = 64 * 1024, server: o => o.MaxFrameBytes = 64 * 1024);
        IHoseSender sender = bed.Open("pull");
        int[] sizes = [0, 1, 7, 8, 4095, 4096, 65535, 65536, 65537, 131_075, TestPool.Large - 1, TestPool.Large, TestPool.Large + 1, (3 * TestPool.Large) + 7];
        foreach (int size in sizes)
        {
            byte[] payload = Payloads.Random(size, size);
            Assert.That(sender.Send(payload, Wait), Is.EqualTo(HoseStatus.Ok), $"size {size}");
            Assert.That(bed.TakeFrom("pull"), Is.EqualTo(payload), $"size {size}");
        }
    }

    [Test]
    public async Task PushGuestGetsThePayloadStraightFromTheSocket()
    {
        await using var bed = NetworkTestbed.Start();
        IHoseSender sender = bed.Open("push");
        Assert.That(sender.Send(Payloads.Random(4000, 1), Wait), Is.EqualTo(HoseStatus.Ok));
        Assert.That(bed.PushCount(), Is.EqualTo(1));
        Assert.That(bed.Server["push"].Run(i => i.GetFunction<int>("last_length")!()), Is.EqualTo(4000));
        Assert.That(bed.Server.Pool.LeasedBytes, Is.Zero, "no region was used on the way");

        // rr_alloc refuses more than 64 KiB: the sender learns it, and the connection stays usable.
        Assert.That(sender.Send(new byte[70_000], Wait), Is.EqualTo(HoseStatus.PeerFailed));
        Assert.That(sender.Send(new byte[10], Wait), Is.EqualTo(HoseStatus.Ok));
        Assert.That(bed.PushCount(), Is.EqualTo(2));
    }

    [Test]
    public async Task UnknownRemoteNameIsReportedToTheSender()
    {
        await using var bed = NetworkTestbed.Start();
        Assert.That(bed.Open("missing").Send([1, 2, 3], Wait), Is.EqualTo(HoseStatus.UnknownTarget));
        Assert.That(bed.Client.TryResolve("not-in-directory", out _), Is.False);
    }

    [Test]
    public async Task TooLargeIsRefusedBeforeAnythingIsSent()
    {
        await using var bed = NetworkTestbed.Start(client: o => o.MaxPayloadBytes = 100_000);
        Assert.That(bed.Open("pull").Send(new byte[100_001], Wait), Is.EqualTo(HoseStatus.TooLarge));
        Assert.That(bed.TakeFrom("pull"), Is.Null);
    }

    [Test]
    public async Task GuestSendsToARemoteGuestByName()
    {
        await using var bed = NetworkTestbed.Start();
        var options = NetworkTestbed.Options();
        options.Resolver = bed.Resolver;
        await using var clientHost = new FunctionHost(new FunctionHostOptions { Regions = { FolderPath = bed.NewFolder() } });
        await using NetworkEndpoint endpoint = clientHost.StartNetworkEndpoint(options);
        WasmFunction sender = clientHost.LoadText("sender", Guests.Caller);
        System.Text.Encoding.UTF8.GetBytes("push").CopyTo(sender.Instance.GetMemory("memory")!.GetSpan(0, 4));

        int handle = sender.Run(i => i.GetFunction<int, int, int>("open")!(0, 4));
        Assert.That(handle, Is.GreaterThan(0));
        Assert.That(sender.Run(i => i.GetFunction<int, int, int, int>("send")!(handle, 1024, 5000)), Is.EqualTo(0));
        Assert.That(bed.PushCount(), Is.EqualTo(1));
    }

    [Test]
    public async Task MessagesArriveInOrder()
    {
        await using var bed = NetworkTestbed.Start();
        IHoseSender sender = bed.Open("pull");
        for (int i = 0; i < 300; i++)
        {
            byte[] payload = new byte[4 + (i * 37 % 5000)];
            BitConverter.TryWriteBytes(payload, i);
            Assert.That(sender.Send(payload, Wait), Is.EqualTo(HoseStatus.Ok));
        }

        for (int i = 0; i < 300; i++)
        {
            byte[]? got = bed.TakeFrom("pull");
            Assert.That(got, Is.Not.Null);
            Assert.That(BitConverter.ToInt32(got!), Is.EqualTo(i));
            Assert.That(got!, Has.Length.EqualTo(4 + (i * 37 % 5000)));
        }
    }

    [Test]
    public async Task ManyHosesShareOneConnection()
    {
        await using var bed = NetworkTestbed.Start();
        const int PerThread = 100;
        Task[] threads = [.. Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            IHoseSender sender = bed.Open(t % 2 == 0 ? "pull" : "pull2");
            for (int i = 0; i < PerThread; i++)
            {
                byte[] payload = new byte[8 + (i * 131 % 20_000)];
                BitConverter.TryWriteBytes(payload, t);
                BitConverter.TryWriteBytes(payload.AsSpan(4), i);
                if (sender.Send(payload, Wait) != HoseStatus.Ok)
                {
                    throw new InvalidOperationException($"thread {t} message {i} failed");
                }
            }
        }))];
        await Task.WhenAll(threads);

        foreach (string target in (string[])["pull", "pull2"])
        {
            var next = new Dictionary<int, int>();
            while (bed.TakeFrom(target) is { } got)
            {
                int thread = BitConverter.ToInt32(got);
                int index = BitConverter.ToInt32(got, 4);
                Assert.That(index, Is.EqualTo(next.GetValueOrDefault(thread)), "each sender's messages stay in order");
                next[thread] = index + 1;
            }

            Assert.That(next.Values, Is.All.EqualTo(PerThread));
            Assert.That(next, Has.Count.EqualTo(2));
        }

        Assert.That(bed.Client.LinkTo(bed.ServerAddress)!.Connects, Is.EqualTo(1));
        Assert.That(bed.ServerEndpoint.ServedConnectionCount, Is.EqualTo(1));
    }

    /// <summary>
    /// 1 GiB streamed into a push guest: the sender holds one 64 MiB buffer (the message is a sequence that repeats it),
    /// the receiver reads the frames straight into the guest's memory, so each side holds the bytes at most once.
    /// </summary>
    [Test]
    public async Task OneGibibyteStreamsIntactIntoGuestMemory()
    {
        const int Block = 64 * 1024 * 1024;
        const int Blocks = 16;
        const string BigGuest = """
            (module
              (memory (export "memory") 16385)
              (global $last (mut i32) (i32.const -1))
              (func (export "rr_alloc") (param i32) (result i32) (i32.const 65536))
              (func (export "rr_on_message") (param i32 i32) (global.set $last (local.get 1)))
              (func (export "last_length") (result i32) (global.get $last)))
            """;
        await using var bed = NetworkTestbed.Start(extraGuestName: "big", extraGuestWat: BigGuest);
        byte[] block = Payloads.Random(Block, 99);
        var first = new Segment(block, 0);
        Segment last = first;
        uint expected = Crc32C.Append(Crc32C.Seed, block);
        for (int i = 1; i < Blocks; i++)
        {
            last = last.Append(block);
            expected = Crc32C.Append(expected, block);
        }

        var payload = new ReadOnlySequence<byte>(first, 0, last, Block);
        Assert.That(payload.Length, Is.EqualTo(1L << 30));

        await bed.Open("big").SendAsync(payload);

        WasmFunction big = bed.Server["big"];
        Assert.That(big.Run(i => i.GetFunction<int>("last_length")!()), Is.EqualTo(1 << 30));
        uint received = big.Run(i =>
        {
            uint crc = Crc32C.Seed;
            Wasmtime.Memory memory = i.GetMemory("memory")!;
            for (long offset = 0; offset < 1L << 30; offset += Block)
            {
                crc = Crc32C.Append(crc, memory.GetSpan(65536 + offset, Block));
            }

            return crc;
        });
        Assert.That(received, Is.EqualTo(expected));
        Assert.That(bed.Server.Pool.LeasedBytes, Is.Zero, "no second copy in regions");
    }

    [Test]
    public async Task RemoteRouteFansOutOnTheReceivingHost()
    {
        await using var bed = NetworkTestbed.Start();
        bed.Server.AddRoute("both", "pull", "pull2");
        bed.Resolver.Add("both", bed.ServerAddress);
        foreach (int size in (int[])[100, (3 * TestPool.Large) + 5])
        {
            byte[] payload = Payloads.Random(size, size);
            Assert.That(bed.Open("both").Send(payload, Wait), Is.EqualTo(HoseStatus.Ok));
            Assert.That(bed.TakeFrom("pull"), Is.EqualTo(payload));
            Assert.That(bed.TakeFrom("pull2"), Is.EqualTo(payload));
        }

        Assert.That(bed.Server.Pool.LeasedBytes, Is.Zero);
    }

    [Test]
    public async Task ClaimedRegionIsSentWithSendfile()
    {
        await using var bed = NetworkTestbed.Start();
        IHoseSender sender = bed.Open("pull");
        byte[] expected = Payloads.Random(300_000, 5);
        using (HoseClaim claim = await sender.ClaimAsync(expected.Length))
        {
            expected.CopyTo(claim.Span);
            Assert.That(claim.Commit(), Is.EqualTo(HoseStatus.Ok));
        }

        Assert.That(bed.TakeFrom("pull"), Is.EqualTo(expected));
        Assert.That(bed.ClientPool.LeasedBytes, Is.Zero, "the claim's region went back to the pool");
    }

    [Test]
    public async Task FanOutDeliversEveryPayloadToEveryNode()
    {
        await using var first = NetworkTestbed.Start();
        await using var second = NetworkTestbed.Start();
        var options = NetworkTestbed.Options();
        options.Resolver = new StaticResolver().Add("pull", first.ServerAddress, second.ServerAddress);
        await using var client = new NetworkEndpoint(first.Server.Directory, first.ClientPool, options);
        Assert.That(client.TryResolve("pull", out IHoseSender? sender), Is.True);

        foreach (int size in (int[])[100, 1_000_000])
        {
            byte[] payload = Payloads.Random(size, size);
            Assert.That(sender!.Send(payload, Wait), Is.EqualTo(HoseStatus.Ok));
            Assert.That(first.TakeFrom("pull"), Is.EqualTo(payload));
            Assert.That(second.TakeFrom("pull"), Is.EqualTo(payload));
        }
    }

    [Test]
    public async Task TlsCarriesTheHoseWithTheKeyOnTop()
    {
        using X509Certificate2 certificate = SelfSigned();
        string thumbprint = certificate.Thumbprint;
        await using var bed = NetworkTestbed.Start(
            server: o => o.ServerTls = new SslServerAuthenticationOptions { ServerCertificate = certificate },
            client: o => o.ClientTls = new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                RemoteCertificateValidationCallback = (_, cert, _, _) => cert is X509Certificate2 c && c.Thumbprint == thumbprint,
            });
        byte[] payload = Payloads.Random(200_000, 3);
        Assert.That(bed.Open("pull").Send(payload, Wait), Is.EqualTo(HoseStatus.Ok));
        Assert.That(bed.TakeFrom("pull"), Is.EqualTo(payload));
    }

    [Test]
    public void OptionsRequireAKeyUnlessTlsOptsOut()
    {
        using RegionPool pool = TestPool.Create();
        var resolver = new StaticResolver();
        Assert.Throws<ArgumentException>(() => _ = new NetworkEndpoint(resolver.AsHoseDirectory(), pool, new NetworkOptions()));
        Assert.Throws<ArgumentException>(() => _ = new NetworkEndpoint(resolver.AsHoseDirectory(), pool, new NetworkOptions { PreSharedKey = new byte[8] }));
        Assert.Throws<ArgumentException>(() => _ = new NetworkEndpoint(resolver.AsHoseDirectory(), pool, new NetworkOptions { AllowUnauthenticatedWithTls = true }));
        TestPool.Delete(pool.FolderPath);
    }

    [Test]
    public void StaticResolverParsesConfiguration()
    {
        StaticResolver resolver = StaticResolver.Parse("a=127.0.0.1:7000; b = 127.0.0.1:7001, node-2:7002");
        Assert.That(resolver.TryResolve("a", out IReadOnlyList<EndPoint>? a), Is.True);
        Assert.That(a, Is.EqualTo(new EndPoint[] { new IPEndPoint(IPAddress.Loopback, 7000) }));
        Assert.That(resolver.TryResolve("b", out IReadOnlyList<EndPoint>? b), Is.True);
        Assert.That(b, Is.EqualTo(new EndPoint[] { new IPEndPoint(IPAddress.Loopback, 7001), new DnsEndPoint("node-2", 7002) }));
        Assert.Throws<FormatException>(() => StaticResolver.Parse("nonsense"));
        Assert.Throws<FormatException>(() => StaticResolver.Parse("a=host"));
    }

    internal static X509Certificate2 SelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        using X509Certificate2 ephemeral = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pfx), null);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}

internal static class DirectoryExtensions
{
    public static IHoseDirectory AsHoseDirectory(this StaticResolver _) => new Empty();

    private sealed class Empty : IHoseDirectory
    {
        public bool TryResolve(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IHoseSender? sender)
        {
            sender = null;
            return false;
        }
    }
}
