using System.Runtime.Versioning;
using Roadrunner.Hosting;
using Roadrunner.Tests.Support;
using Roadrunner.Wasm;

namespace Roadrunner.Tests.Wasm;

/// <summary>Mapped payloads never expose foreign bytes, never outlive a handler, and never escape the pool's budget.</summary>
[SupportedOSPlatform("linux")]
public class ZeroCopySafetyTests : FolderTest
{
    private const int Length = 1024 * 1024;

    [TestCase(1, false)]
    [TestCase(2, false)]
    [TestCase(1, true)]
    [TestCase(2, true)]
    public async Task ATrapOrTimeoutInTheHandlerRestoresTheReceiversPages(int trapOrSpin, bool regions)
    {
        await using FunctionHost host = CreateHost(o =>
        {
            ZeroCopyHopTests.ZeroCopy(o, regions);
            o.Guest.PushTimeout = TimeSpan.FromMilliseconds(300);
        });
        var sender = new ZeroCopyGuest(host.LoadText("sender", ZeroCopyGuest.Wat));
        var receiver = new ZeroCopyGuest(host.LoadText("receiver", ZeroCopyGuest.Wat));
        uint receiveWindow = receiver.NewWindow(Length);
        byte[] own = Payloads.Random(Length, seed: 21);
        receiver.Write(receiveWindow, own);
        receiver.SetWindow(receiveWindow);
        receiver.SetMode(trapOrSpin);
        int handle = sender.Open("receiver");
        uint window = sender.NewWindow(Length);

        Assert.That(sender.Claim(handle, window, Length), Is.Zero);
        sender.Write(window, Payloads.Random(Length, seed: 22));
        Assert.That(sender.Commit(handle, window, Length), Is.EqualTo((int)HoseStatus.PeerFailed));

        Assert.Multiple(() =>
        {
            Assert.That(receiver.Function.Guest.IsFaulted, Is.True);
            Assert.That(Payloads.Diff(receiver.Read(receiveWindow, Length), own), Is.Empty, "the receiver's own bytes are back");
            Assert.That(host.Pool.LeasedBytes, Is.Zero, "the regions went back once unmapped");
        });
    }

    [Test]
    public async Task AClaimNeverShowsBytesAnotherFunctionLeftInARegion()
    {
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions: true));
        IDataHose sink = host.CreateInbox("sink");
        var first = new ZeroCopyGuest(host.LoadText("first", ZeroCopyGuest.Wat));
        var second = new ZeroCopyGuest(host.LoadText("second", ZeroCopyGuest.Wat));
        int firstHandle = first.Open("sink");
        int secondHandle = second.Open("sink");
        uint window = first.NewWindow(Length);
        Assert.That(second.NewWindow(Length), Is.EqualTo(window));
        byte[] secret = Enumerable.Repeat((byte)0xCD, Length).ToArray();

        Assert.That(first.Claim(firstHandle, window, Length), Is.Zero);
        first.Write(window, secret);
        Assert.That(first.Commit(firstHandle, window, Length), Is.Zero);
        (await sink.ReceiveAsync(Ct)).Dispose(); // the region goes back to the pool

        Assert.That(first.Claim(firstHandle, window, Length), Is.Zero);
        Assert.That(first.NonzeroIn(window, Length), Is.EqualTo(Length), "the pool handed the same region back: its own bytes");
        Assert.That(first.Abort(firstHandle, window), Is.Zero);

        Assert.That(second.Claim(secondHandle, window, Length), Is.Zero);
        Assert.That(second.NonzeroIn(window, Length), Is.Zero, "another guest's claim of that region reads zeros");
        Assert.That(second.Abort(secondHandle, window), Is.Zero);
    }

    [Test]
    public async Task TheLastPageOfAMappedPayloadShowsNothingPastThePayload()
    {
        const int Short = Length - 1000;
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions: false));
        var sender = new ZeroCopyGuest(host.LoadText("sender", ZeroCopyGuest.Wat));
        var receiver = new ZeroCopyGuest(host.LoadText("receiver", ZeroCopyGuest.Wat));
        receiver.SetWindow(receiver.NewWindow(Length));
        int handle = sender.Open("receiver");
        uint buffer = sender.NewWindow(Length);
        sender.Write(buffer, Enumerable.Repeat((byte)0xCD, Length).ToArray());

        // Both go through the queue (the receiver is busy), so both are copied into the same pooled region: the
        // second, shorter one leaves the first one's bytes in the region's last page.
        for (int round = 1; round <= 2; round++)
        {
            await using (await GateHolder.HoldAsync(receiver.Function, WaitLimit))
            {
                Assert.That(sender.Send(handle, buffer, round == 1 ? Length : (uint)Short), Is.Zero);
            }

            Assert.That(receiver.Get("count"), Is.EqualTo(round));
        }

        Assert.Multiple(() =>
        {
            Assert.That(receiver.Get("len"), Is.EqualTo(Short));
            Assert.That(receiver.Get("tail"), Is.Zero, "the rest of the last page reads zero");
        });
    }

    [Test]
    public async Task MappedClaimsCountAgainstThePoolBudget()
    {
        await using FunctionHost host = CreateHost(o =>
        {
            ZeroCopyHopTests.ZeroCopy(o, regions: true);
            o.Regions.MaxLeasedBytes = 4 * Length;
            o.Guest.SendTimeout = TimeSpan.FromMilliseconds(200);
        });
        host.CreateInbox("sink");
        var guest = new ZeroCopyGuest(host.LoadText("g", ZeroCopyGuest.Wat));
        int handle = guest.Open("sink");
        uint window = guest.NewWindow(8L * Length);
        uint second = window + (3 * Length);

        Assert.That(guest.Claim(handle, window, 3 * Length), Is.Zero);
        Assert.That(host.Pool.LeasedBytes, Is.EqualTo(3 * Length));
        Assert.Multiple(() =>
        {
            Assert.That(guest.Claim(handle, second, 2 * Length), Is.EqualTo((int)HoseStatus.TimedOut), "no room: waits, then gives up");
            Assert.That(guest.Claim(handle, second, 5 * Length), Is.EqualTo((int)HoseStatus.TooLarge), "could never fit");
        });
        Assert.That(guest.Abort(handle, window), Is.Zero);
        Assert.That(host.Pool.LeasedBytes, Is.Zero);
        Assert.That(guest.Claim(handle, second, 2 * Length), Is.Zero, "room again");
    }

    [Test]
    public async Task ABadWindowFromTheReceiverIsARefusal()
    {
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions: false));
        host.CreateInbox("sink");
        var sender = new ZeroCopyGuest(host.LoadText("sender", ZeroCopyGuest.Wat));
        var receiver = new ZeroCopyGuest(host.LoadText("receiver", ZeroCopyGuest.Wat));
        uint receiveWindow = receiver.NewWindow(2L * Length);
        int receiverHandle = receiver.Open("sink");
        Assert.That(receiver.Claim(receiverHandle, receiveWindow + Length, 1), Is.Zero, "the receiver holds a claimed window");
        int handle = sender.Open("receiver");
        uint window = sender.NewWindow(Length);

        foreach (uint bad in new[] { receiveWindow + 4096, (uint)receiver.MemoryLength, receiveWindow + ZeroCopyGuest.Page, 0xFFFF_0000 })
        {
            receiver.SetWindow(bad);
            Assert.That(sender.Claim(handle, window, Length), Is.Zero);
            Assert.That(sender.Commit(handle, window, Length), Is.EqualTo((int)HoseStatus.PeerFailed), $"window {bad:x}");
        }

        Assert.Multiple(() =>
        {
            Assert.That(receiver.Get("count"), Is.Zero, "the handler never ran");
            Assert.That(receiver.Function.Guest.IsFaulted, Is.False, "a refusal, not a fault");
            Assert.That(host.Pool.LeasedBytes, Is.Zero, "every refused payload's regions went back (the receiver's 1-byte claim holds none)");
        });
    }

    [Test]
    public async Task AHandlerCannotClaimTheWindowItReceivesIn()
    {
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions: false));
        host.CreateInbox("sink");
        var sender = new ZeroCopyGuest(host.LoadText("sender", ZeroCopyGuest.Wat));
        var receiver = new ZeroCopyGuest(host.LoadText("receiver", ZeroCopyGuest.Wat));
        receiver.SetWindow(receiver.NewWindow(Length));
        receiver.SetClaimHandle(receiver.Open("sink"));
        int handle = sender.Open("receiver");
        uint window = sender.NewWindow(Length);

        Assert.That(sender.Claim(handle, window, Length), Is.Zero);
        Assert.That(sender.Commit(handle, window, Length), Is.Zero);
        Assert.That(receiver.Get("inner"), Is.EqualTo((int)HoseStatus.BadPointer));
    }

    [Test]
    public async Task DisposingAFunctionGivesItsClaimedRegionsBack()
    {
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions: true));
        host.CreateInbox("sink");
        var guest = new ZeroCopyGuest(host.LoadText("g", ZeroCopyGuest.Wat));
        int handle = guest.Open("sink");
        uint window = guest.NewWindow(Length);
        Assert.That(guest.Claim(handle, window, Length), Is.Zero);
        Assert.That(host.Pool.LeasedBytes, Is.EqualTo(Length));

        await guest.Function.DisposeAsync();
        Assert.That(host.Pool.LeasedBytes, Is.Zero);
    }

    [Test]
    public async Task BytesAGuestWritesLandInItsMemoryFile()
    {
        // Regression guard for wasmtime issue 12053 (a release stopped routing guest stores to custom memories).
        const string Store = """
            (module
              (memory (export "memory") 2)
              (func (export "store") (param i32 i32) (i32.store8 (local.get 0) (local.get 1))))
            """;
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions: false));
        WasmFunction function = host.LoadText("f", Store);
        foreach ((int offset, int value) in new[] { (0, 1), (4097, 2), ((2 * ZeroCopyGuest.Page) - 1, 3) })
        {
            function.Run(i =>
            {
                i.GetAction<int, int>("store")!(offset, value);
                return 0;
            });
        }

        Assert.That(function.Run(i => GuestMemoryFile.TryFind(i.GetMemory("memory")!.GetSpan(0, 1), out GuestMemoryFile? file, out _) ? file.Path : null), Is.Not.Null);
        string path = function.Run(i => GuestMemoryFile.TryFind(i.GetMemory("memory")!.GetSpan(0, 1), out GuestMemoryFile? file, out _) ? file!.Path : "");
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        byte[] bytes = new byte[2 * ZeroCopyGuest.Page];
        stream.ReadExactly(bytes);
        Assert.Multiple(() =>
        {
            Assert.That(bytes[0], Is.EqualTo(1));
            Assert.That(bytes[4097], Is.EqualTo(2));
            Assert.That(bytes[^1], Is.EqualTo(3));
        });
    }
}
