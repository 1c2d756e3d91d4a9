using System.Runtime.Versioning;
using Roadrunner.Hosting;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Wasm;

/// <summary>A pull receiver takes payloads into windows with <c>receive_window</c> (mapped when large) and gives them back with <c>release</c>.</summary>
[SupportedOSPlatform("linux")]
public class ZeroCopyPullTests : FolderTest
{
    private const int Large = 3 * 1024 * 1024;

    private const string Puller = """
        (module
          (import "roadrunner" "receive_window" (func $receive_window (param i32 i32) (result i32)))
          (import "roadrunner" "release" (func $release (param i32) (result i32)))
          (import "roadrunner" "receive_window_wait" (func $receive_window_wait (param i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (func (export "receive_window") (param i32 i32) (result i32) (call $receive_window (local.get 0) (local.get 1)))
          (func (export "release") (param i32) (result i32) (call $release (local.get 0)))
          (func (export "receive_window_wait") (param i32 i32 i32) (result i32) (call $receive_window_wait (local.get 0) (local.get 1) (local.get 2)))
          (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
          (func (export "checksum") (param $p i32) (param $n i32) (result i32)
            (local $h i32) (local $end i32)
            (local.set $h (i32.const 17))
            (local.set $end (i32.add (local.get $p) (local.get $n)))
            (block $done (loop $next
              (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
              (local.set $h (i32.add (i32.mul (local.get $h) (i32.const 31)) (i32.load8_u (local.get $p))))
              (local.set $p (i32.add (local.get $p) (i32.const 1)))
              (br $next)))
            (local.get $h))
          (func (export "store8") (param i32 i32) (i32.store8 (local.get 0) (local.get 1))))
        """;

    [TestCase(Large, true)]
    [TestCase(1000, false)]
    public async Task APayloadStaysInTheWindowUntilReleased(int length, bool mapped)
    {
        using var metrics = new MetricRecorder();
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions: false));
        WasmFunction puller = host.LoadText("puller", Puller);
        uint window = NewWindow(puller, Large);
        byte[] own = Payloads.Random(Large, seed: 1);
        Write(puller, window, own);
        byte[] payload = Payloads.Random(length, seed: 2);
        Assert.That(puller.Guest.Inbox.Send(payload, WaitLimit, Ct), Is.EqualTo(HoseStatus.Ok));

        Assert.That(Call(puller, "receive_window", window, Large), Is.EqualTo(length));
        Assert.Multiple(() =>
        {
            Assert.That(Call(puller, "checksum", window, length), Is.EqualTo(ZeroCopyGuest.Checksum(payload)));
            Assert.That(metrics.Total($"roadrunner.guest.transfers|function=puller|transfer={(mapped ? "mapped" : "copied")}"), Is.EqualTo(1));
            Assert.That(host.Pool.LeasedBytes, mapped ? Is.EqualTo(host.Pool.FootprintOf(length)) : Is.Zero, "a mapped payload keeps its regions until released");
        });

        puller.Run(i =>
        {
            i.GetAction<int, int>("store8")!((int)window, 0xEE); // a private write: lost at release
            return 0;
        });
        Assert.That(Release(puller, window), Is.Zero);
        Assert.That(Release(puller, window), Is.EqualTo((int)HoseStatus.BadPointer), "released twice");
        Assert.That(host.Pool.LeasedBytes, Is.Zero);
        if (mapped)
        {
            Assert.That(Payloads.Diff(Read(puller, window, Large), own), Is.Empty, "the guest's own bytes are back");
        }
    }

    [Test]
    public async Task ABadWindowOrAShortOneLeavesThePayloadQueued()
    {
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions: false));
        WasmFunction puller = host.LoadText("puller", Puller);
        uint window = NewWindow(puller, 2L * Large);
        Assert.That(puller.Guest.Inbox.Send(Payloads.Random(Large, seed: 3), WaitLimit, Ct), Is.EqualTo(HoseStatus.Ok));

        Assert.Multiple(() =>
        {
            Assert.That(Call(puller, "receive_window", window + 4096, Large), Is.EqualTo((int)HoseStatus.BadPointer), "not aligned");
            Assert.That(Call(puller, "receive_window", window + Large, Large + (2 * 65536)), Is.EqualTo((int)HoseStatus.BadPointer), "past the memory");
            Assert.That(Call(puller, "receive_window", window, Large - 1), Is.EqualTo((int)HoseStatus.BufferTooSmall));
        });
        Assert.That(puller.Guest.InboxHose.QueuedCount, Is.EqualTo(1), "still queued");

        Assert.That(Call(puller, "receive_window", window, Large), Is.EqualTo(Large));
        Assert.That(puller.Guest.Inbox.Send(new byte[10], WaitLimit, Ct), Is.EqualTo(HoseStatus.Ok));
        Assert.That(Call(puller, "receive_window", window + 65536, 10), Is.EqualTo((int)HoseStatus.BadPointer), "inside a held window");
        Assert.That(Call(puller, "receive_window", window + Large, 10), Is.EqualTo(10));
        Assert.That(Call(puller, "receive_window", window + Large + 65536, 10), Is.EqualTo((int)HoseStatus.WouldBlock), "nothing left");

        await puller.DisposeAsync();
        Assert.That(host.Pool.LeasedBytes, Is.Zero, "disposal released the held windows");
    }

    [Test]
    public async Task AWaitingPullTakesAPayloadThatArrivesWhileItWaitsIntoItsWindow()
    {
        using var metrics = new MetricRecorder();
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions: false));
        WasmFunction puller = host.LoadText("puller", Puller);
        uint window = NewWindow(puller, Large);
        byte[] payload = Payloads.Random(Large, seed: 4);

        // The guest waits on its own thread (a guest runs one call at a time); the payload comes from this one.
        Task<int> waiting = Task.Factory.StartNew(() => Wait(puller, window, Large, 30_000), Ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        Assert.That(puller.Guest.Inbox.Send(payload, WaitLimit, Ct), Is.EqualTo(HoseStatus.Ok));
        Assert.That(await waiting.WaitAsync(WaitLimit, Ct), Is.EqualTo(Large));

        Assert.Multiple(() =>
        {
            Assert.That(Call(puller, "checksum", window, Large), Is.EqualTo(ZeroCopyGuest.Checksum(payload)));
            Assert.That(metrics.Total("roadrunner.guest.transfers|function=puller|transfer=mapped"), Is.EqualTo(1));
        });
        Assert.That(Release(puller, window), Is.Zero);
        Assert.That(host.Pool.LeasedBytes, Is.Zero);
    }

    [Test]
    public async Task AWaitingPullTimesOutWithNothingQueuedAndChecksItsWindowBeforeWaiting()
    {
        await using FunctionHost host = CreateHost(o => ZeroCopyHopTests.ZeroCopy(o, regions: false));
        WasmFunction puller = host.LoadText("puller", Puller);
        uint window = NewWindow(puller, Large);
        Assert.Multiple(() =>
        {
            Assert.That(Wait(puller, window, Large, 50), Is.EqualTo((int)HoseStatus.TimedOut));
            Assert.That(Wait(puller, window, Large, 0), Is.EqualTo((int)HoseStatus.WouldBlock), "0 ms: no wait");
            // A bad window answers at once, not after the 10 minutes asked for (the test's own limit would end it first).
            Assert.That(Wait(puller, window + 4096, Large, 600_000), Is.EqualTo((int)HoseStatus.BadPointer));
        });
    }

    private static int Wait(WasmFunction function, uint pointer, int capacity, int timeoutMilliseconds) =>
        function.Run(i => i.GetFunction<int, int, int, int>("receive_window_wait")!((int)pointer, capacity, timeoutMilliseconds));

    private static uint NewWindow(WasmFunction function, long bytes) =>
        (uint)function.Run(i => i.GetFunction<int, int>("grow")!((int)((bytes / 65536) + 1))) * 65536;

    private static int Call(WasmFunction function, string export, uint pointer, int length) =>
        function.Run(i => i.GetFunction<int, int, int>(export)!((int)pointer, length));

    private static int Release(WasmFunction function, uint pointer) => function.Run(i => i.GetFunction<int, int>("release")!((int)pointer));

    private static void Write(WasmFunction function, uint offset, byte[] bytes) => function.Run(i =>
    {
        bytes.CopyTo(i.GetMemory("memory")!.GetSpan(offset, bytes.Length));
        return 0;
    });

    private static byte[] Read(WasmFunction function, uint offset, int length) => function.Run(i => i.GetMemory("memory")!.GetSpan(offset, length).ToArray());
}
