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
}
