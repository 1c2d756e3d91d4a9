using Roadrunner.Hosting;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Hosting;

/// <summary>FunctionHost.CreateInbox: a .NET receiver with a name in the host's directory.</summary>
public class HostInboxTests : FolderTest
{
    [Test]
    public async Task GuestSendsToAnInboxByName()
    {
        await using FunctionHost host = CreateHost();
        IDataHose inbox = host.CreateInbox("audit");
        var sender = new GuestCalls(host.LoadText("sender", Guests.Caller));
        byte[] payload = Payloads.Random(5000, 3);

        int handle = sender.Open("audit");

        Assert.That(handle, Is.Positive);
        Assert.That(sender.Send(handle, payload), Is.Zero);
        Assert.That(Payloads.Diff(await ReceiveBytesAsync(inbox), payload), Is.Empty);
        Assert.That(host.Pool.LeasedBytes, Is.Zero);
    }

    [Test]
    public async Task DotNetOpensAnInboxByName()
    {
        await using FunctionHost host = CreateHost();
        IDataHose inbox = host.CreateInbox("audit");
        byte[] payload = Payloads.Random(70_000, 4);

        Assert.That(host.Open("audit"), Is.SameAs(inbox));
        await host.Open("audit").SendAsync(payload, Ct);

        Assert.That(Payloads.Diff(await ReceiveBytesAsync(inbox), payload), Is.Empty);
    }

    [Test]
    public async Task RouteFansOutToAFunctionAndAnInbox()
    {
        await using FunctionHost host = CreateHost();
        WasmFunction pushed = host.LoadText("pushed", Guests.PushReceiver);
        IDataHose audit = host.CreateInbox("audit");
        host.AddRoute("everyone", "pushed", "audit");
        byte[] payload = Payloads.Random(3000, 5);

        await host.Open("everyone").SendAsync(payload, Ct);

        Assert.That(pushed.Run(i => i.GetFunction<int>("last_length")!()), Is.EqualTo(3000));
        Assert.That(Payloads.Diff(await ReceiveBytesAsync(audit), payload), Is.Empty);
    }

    [Test]
    public async Task TakenNamesAreRefusedBothWays()
    {
        await using FunctionHost host = CreateHost();
        WasmFunction function = host.LoadText("fn", Guests.PushReceiver);
        IDataHose inbox = host.CreateInbox("inbox");

        Assert.Multiple(() =>
        {
            Assert.That(() => host.CreateInbox("fn"), Throws.ArgumentException.With.Message.Contains("'fn'"));
            Assert.That(() => host.CreateInbox("inbox"), Throws.ArgumentException.With.Message.Contains("'inbox'"));
            Assert.That(() => host.LoadText("inbox", Guests.PushReceiver), Throws.ArgumentException.With.Message.Contains("'inbox'"));
            Assert.That(() => host.CreateInbox(""), Throws.ArgumentException);
            Assert.That(host.Open("fn"), Is.SameAs(function.Guest.Inbox));
            Assert.That(host.Open("inbox"), Is.SameAs(inbox));
        });
    }

    [Test]
    public async Task DisposingTheHostCompletesTheInbox()
    {
        FunctionHost host = CreateHost();
        IDataHose inbox = host.CreateInbox("audit");
        ValueTask<HoseLease> waiting = inbox.ReceiveAsync(Ct);

        await host.DisposeAsync();

        HoseException? error = Assert.ThrowsAsync<HoseException>(async () => await Within(waiting.AsTask()));
        Assert.That(error!.Status, Is.EqualTo(HoseStatus.Closed));
        Assert.That(async () => await inbox.SendAsync(new byte[] { 1 }, Ct), Throws.TypeOf<HoseException>().With.Property(nameof(HoseException.Status)).EqualTo(HoseStatus.Closed));
    }
}
