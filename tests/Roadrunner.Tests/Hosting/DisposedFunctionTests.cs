using Roadrunner.Hosting;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Hosting;

/// <summary>A disposed function's name no longer resolves; handles opened before it went answer RR_CLOSED.</summary>
public class DisposedFunctionTests : FolderTest
{
    [Test]
    public async Task OpeningADisposedFunctionGivesUnknownTargetAndOldHandlesGiveClosed()
    {
        await using FunctionHost host = CreateHost();
        var sender = new GuestCalls(host.LoadText("sender", Guests.Caller));
        WasmFunction receiver = host.LoadText("receiver", Guests.PushReceiver);
        int before = sender.Open("receiver");
        Assert.That(before, Is.GreaterThan(0));

        await receiver.DisposeAsync();

        Assert.Multiple(() =>
        {
            Assert.That(sender.Open("receiver"), Is.EqualTo((int)HoseStatus.UnknownTarget));
            Assert.That(sender.Send(before, GuestCalls.DataOffset, 10), Is.EqualTo((int)HoseStatus.Closed));
            Assert.That(host.Directory.TryResolve("receiver", out _), Is.False);
            Assert.That(host.Functions.Select(f => f.Name), Is.EquivalentTo(new[] { "sender" }));
            Assert.Throws<HoseException>(() => host.Open("receiver"));
        });
    }

    [Test]
    public async Task TheNameOfADisposedFunctionCanBeLoadedAgain()
    {
        await using FunctionHost host = CreateHost();
        var sender = new GuestCalls(host.LoadText("sender", Guests.Caller));
        await host.LoadText("receiver", Guests.PushReceiver).DisposeAsync();

        var again = new GuestCalls(host.LoadText("receiver", Guests.PushReceiver));
        int handle = sender.Open("receiver");

        Assert.That(sender.Send(handle, GuestCalls.DataOffset, 10), Is.Zero);
        Assert.That(again.Get("count"), Is.EqualTo(1));
    }

    [Test]
    public async Task DisposingAFunctionTwiceOrAfterItsHostIsHarmless()
    {
        WasmFunction function;
        await using (FunctionHost host = CreateHost())
        {
            function = host.LoadText("receiver", Guests.PushReceiver);
            await function.DisposeAsync();
            await function.DisposeAsync();
        }

        Assert.DoesNotThrowAsync(async () => await function.DisposeAsync());
    }

    [Test]
    public async Task ARouteWithADisposedTargetRefusesCleanlyAndSendsToNoOne()
    {
        await using FunctionHost host = CreateHost();
        var sender = new GuestCalls(host.LoadText("sender", Guests.Caller));
        var kept = new GuestCalls(host.LoadText("kept", Guests.PushReceiver));
        WasmFunction gone = host.LoadText("gone", Guests.PushReceiver);
        host.AddRoute("everyone", "kept", "gone");
        await gone.DisposeAsync();

        int handle = sender.Open("everyone");
        Assert.That(handle, Is.GreaterThan(0), "the route's name still resolves");
        Assert.That(sender.Send(handle, GuestCalls.DataOffset, 10), Is.EqualTo((int)HoseStatus.Closed));
        Assert.That(kept.Get("count"), Is.Zero, "'not sent' is true: no target got it");
    }

    [Test]
    public async Task ARouteWhoseSecondTargetRefusesAfterTheFirstTookThePayloadAnswersPeerFailed()
    {
        await using FunctionHost host = CreateHost();
        var sender = new GuestCalls(host.LoadText("sender", Guests.Caller));
        var first = new GuestCalls(host.LoadText("first", Guests.PushReceiver));
        var second = new GuestCalls(host.LoadText("second", Guests.PushReceiver));
        second.Function.Run(i =>
        {
            i.GetAction<int>("set_alloc_result")!(0); // refuse everything
            return 0;
        });
        host.AddRoute("everyone", "first", "second");

        int handle = sender.Open("everyone");
        Assert.That(sender.Send(handle, GuestCalls.DataOffset, 10), Is.EqualTo((int)HoseStatus.PeerFailed));
        Assert.That(first.Get("count"), Is.EqualTo(1), "PeerFailed, not a 'not sent' status: the first target has it");
    }

    [Test]
    public async Task ARouteWhoseTargetsAreAllGoneAnswersClosed()
    {
        await using FunctionHost host = CreateHost();
        var sender = new GuestCalls(host.LoadText("sender", Guests.Caller));
        WasmFunction first = host.LoadText("first", Guests.PushReceiver);
        WasmFunction second = host.LoadText("second", Guests.PushReceiver);
        host.AddRoute("everyone", "first", "second");
        await first.DisposeAsync();
        await second.DisposeAsync();

        int handle = sender.Open("everyone");
        Assert.That(sender.Send(handle, GuestCalls.DataOffset, 10), Is.EqualTo((int)HoseStatus.Closed));
    }
}
