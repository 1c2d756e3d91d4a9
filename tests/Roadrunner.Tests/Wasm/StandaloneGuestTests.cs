using Roadrunner.Hoses;
using Roadrunner.Regions;
using Roadrunner.Tests.Support;
using Roadrunner.Wasm;
using Wasmtime;

namespace Roadrunner.Tests.Wasm;

/// <summary>RoadrunnerGuest used without FunctionHost: your own engine, linker and store, as its documentation shows.</summary>
public class StandaloneGuestTests : FolderTest
{
    [Test]
    public async Task GuestInYourOwnStoreSendsThroughYourDirectory()
    {
        using RegionPool pool = CreatePool();
        await using var target = new InProcessHose("target", pool);
        using var engine = new Engine();
        using var linker = new Linker(engine);
        linker.DefineRoadrunner();
        using var module = Module.FromText(engine, "caller", Guests.Caller);
        await using var guest = new RoadrunnerGuest("me", new FakeDirectory().Add("target", target), pool);
        using var store = new Store(engine, guest);
        Instance instance = linker.Instantiate(store, module);
        guest.Bind(instance);
        "target"u8.CopyTo(instance.GetMemory("memory")!.GetSpan(0, 6));
        byte[] payload = Payloads.Random(3000, 1);
        payload.CopyTo(instance.GetMemory("memory")!.GetSpan(1024, payload.Length));

        int handle = guest.Invoke(() => instance.GetFunction<int, int, int>("open")!(0, 6));
        int status = guest.Invoke(() => instance.GetFunction<int, int, int, int>("send")!(handle, 1024, payload.Length));

        Assert.Multiple(() =>
        {
            Assert.That(guest.Name, Is.EqualTo("me"));
            Assert.That(guest.IsPushReceiver, Is.False);
            Assert.That(handle, Is.GreaterThan(0));
            Assert.That(status, Is.Zero);
        });
        Assert.That(Payloads.Diff(await ReceiveBytesAsync(target), payload), Is.Empty);
    }

    [Test]
    public async Task BindDetectsPushReceiversAndRequiresMemory()
    {
        using RegionPool pool = CreatePool();
        using var engine = new Engine();
        using var linker = new Linker(engine);
        linker.DefineRoadrunner();
        using var pushModule = Module.FromText(engine, "push", Guests.PushReceiver);
        using var bareModule = Module.FromText(engine, "bare", Guests.NoMemory);
        await using var pushGuest = new RoadrunnerGuest("push", new FakeDirectory(), pool);
        await using var bareGuest = new RoadrunnerGuest("bare", new FakeDirectory(), pool);
        using var pushStore = new Store(engine, pushGuest);
        using var bareStore = new Store(engine, bareGuest);

        pushGuest.Bind(linker.Instantiate(pushStore, pushModule));
        Instance bare = linker.Instantiate(bareStore, bareModule);

        Assert.Multiple(() =>
        {
            Assert.That(pushGuest.IsPushReceiver, Is.True);
            Assert.That(() => bareGuest.Bind(bare), Throws.ArgumentException.With.Message.Contains("memory"));
            Assert.That(() => bareGuest.Bind(null!), Throws.ArgumentNullException);
        });
        Assert.That(pushGuest.Inbox.TrySend(new byte[100]), Is.EqualTo(HoseStatus.Ok), "pushed straight in");
        Assert.That(pool.LeasedBytes, Is.Zero);
    }

    [Test]
    public async Task DisposingTwiceIsSafeAndCallsAfterwardsAreRefused()
    {
        using RegionPool pool = CreatePool();
        var guest = new RoadrunnerGuest("g", new FakeDirectory(), pool);
        Assert.That(guest.Inbox.TrySend(new byte[10]), Is.EqualTo(HoseStatus.Ok));

        await guest.DisposeAsync();
        await guest.DisposeAsync();

        Assert.Multiple(() =>
        {
            Assert.That(pool.LeasedBytes, Is.Zero, "queued payloads were dropped");
            Assert.That(guest.Inbox.TrySend(new byte[10]), Is.EqualTo(HoseStatus.Closed));
            Assert.That(() => guest.Invoke(() => 1), Throws.TypeOf<ObjectDisposedException>());
        });
    }

    [Test]
    public void ConstructorRejectsAnEmptyName()
    {
        using RegionPool pool = CreatePool();

        Assert.That(() => new RoadrunnerGuest("", new FakeDirectory(), pool), Throws.ArgumentException);
    }
}
