using Roadrunner.Hosting;
using Roadrunner.Hoses;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Hosting;

/// <summary>Names resolve to functions, then routes (fan-out or alias), then added directories.</summary>
public class RoutingTests : FolderTest
{
    [Test]
    public async Task RouteFansOutToEveryTarget()
    {
        await using FunctionHost host = CreateHost();
        var sender = new GuestCalls(host.LoadText("sender", Guests.Caller));
        WasmFunction pushed = host.LoadText("pushed", Guests.PushReceiver);
        var pulled = new GuestCalls(host.LoadText("pulled", Guests.Caller));
        WasmFunction sink = host.LoadText("sink", Guests.Sink);
        host.AddRoute("everyone", "pushed", "pulled", "sink");
        int handle = sender.Open("everyone");
        byte[] payload = Payloads.Random(3000, 1);

        Assert.That(sender.Send(handle, payload), Is.Zero);

        Assert.Multiple(() =>
        {
            Assert.That(pushed.Run(i => i.GetFunction<int>("last_length")!()), Is.EqualTo(3000));
            Assert.That(pulled.Receive(GuestCalls.DataOffset, 5000), Is.EqualTo(3000));
            Assert.That(pulled.Read(GuestCalls.DataOffset, 3000), Is.EqualTo(payload));
        });
        Assert.That(Payloads.Diff(await ReceiveBytesAsync(sink.Guest.Inbox), payload), Is.Empty);
        Assert.That(host.Pool.LeasedBytes, Is.Zero);
    }

    [Test]
    public async Task RouteWithOneTargetIsAnAlias()
    {
        await using FunctionHost host = CreateHost();
        var sender = new GuestCalls(host.LoadText("sender", Guests.Caller));
        WasmFunction receiver = host.LoadText("receiver", Guests.PushReceiver);

        host.AddRoute("alias", "receiver");

        Assert.Multiple(() =>
        {
            Assert.That(host.Open("alias"), Is.SameAs(receiver.Guest.Inbox));
            Assert.That(sender.Send(sender.Open("alias"), GuestCalls.DataOffset, 42), Is.Zero);
            Assert.That(receiver.Run(i => i.GetFunction<int>("last_length")!()), Is.EqualTo(42));
        });
    }

    [Test]
    public async Task DotNetCanSendToARoute()
    {
        await using FunctionHost host = CreateHost();
        WasmFunction a = host.LoadText("a", Guests.Sink);
        WasmFunction b = host.LoadText("b", Guests.Sink);
        host.AddRoute("both", "a", "b");
        byte[] payload = Payloads.Random(100_000, 2);

        await host.Open("both").SendAsync(payload, Ct);

        Assert.That(Payloads.Diff(await ReceiveBytesAsync(a.Guest.Inbox), payload), Is.Empty);
        Assert.That(Payloads.Diff(await ReceiveBytesAsync(b.Guest.Inbox), payload), Is.Empty);
    }

    [Test]
    public async Task BadRoutesThrow()
    {
        await using FunctionHost host = CreateHost();
        host.LoadText("a", Guests.Sink);

        Assert.Multiple(() =>
        {
            Assert.That(() => host.AddRoute("r", "a", "missing"), Throws.TypeOf<KeyNotFoundException>());
            Assert.That(() => host.AddRoute("a", "a"), Throws.ArgumentException, "a route cannot take a function's name");
            Assert.That(() => host.AddRoute("", "a"), Throws.ArgumentException);
            Assert.That(() => host.Open("r"), Throws.TypeOf<HoseException>(), "a refused route is not added");
        });
        host.AddRoute("r", "a");
        Assert.That(() => host.AddRoute("r", "a"), Throws.ArgumentException, "route names are unique");
    }

    [Test]
    public async Task OpenOfAnUnknownNameThrowsUnknownTarget()
    {
        await using FunctionHost host = CreateHost();

        Assert.That(() => host.Open("nowhere"), Throws.TypeOf<HoseException>().With.Property(nameof(HoseException.Status)).EqualTo(HoseStatus.UnknownTarget));
    }

    [Test]
    public async Task RouteMixesLocalAndElsewhereTargetsAndOpensWhileEveryTargetIsServed()
    {
        await using FunctionHost host = CreateHost();
        IDataHose local = host.CreateInbox("local");
        await using var remote = new InProcessHose("remote", host.Pool);
        var directory = new FakeDirectory();
        host.AddDirectory(directory);
        host.AddRoute("mix", "local", "remote");
        Assert.That(() => host.Open("mix"), Throws.TypeOf<HoseException>().With.Property(nameof(HoseException.Status)).EqualTo(HoseStatus.UnknownTarget), "'remote' is not served yet");

        directory.Add("remote", remote);
        IHoseSender mix = host.Open("mix");
        byte[] payload = Payloads.Random(3000, 11);
        Assert.That(mix.Send(payload, TimeSpan.FromSeconds(10)), Is.EqualTo(HoseStatus.Ok));
        Assert.That(Payloads.Diff(await ReceiveBytesAsync(local), payload), Is.Empty, "the local inbox");
        Assert.That(Payloads.Diff(await ReceiveBytesAsync(remote), payload), Is.Empty, "the target elsewhere");
        await mix.SendAsync(payload);
        Assert.That(Payloads.Diff(await ReceiveBytesAsync(local), payload), Is.Empty, "async: the local inbox");
        Assert.That(Payloads.Diff(await ReceiveBytesAsync(remote), payload), Is.Empty, "async: the target elsewhere");

        remote.Complete();
        Assert.That(mix.Send(payload, TimeSpan.FromSeconds(10)), Is.EqualTo(HoseStatus.PeerFailed), "the local inbox took it, the closed target did not: not 'not sent'");
        HoseException? thrown = Assert.ThrowsAsync<HoseException>(async () => await mix.SendAsync(payload));
        Assert.That(thrown!.Status, Is.EqualTo(HoseStatus.PeerFailed), "async: the same outcome");
    }

    [Test]
    public async Task AddedDirectoryIsAskedForUnknownNamesOnly()
    {
        await using FunctionHost host = CreateHost();
        var sender = new GuestCalls(host.LoadText("sender", Guests.Caller));
        await using var remote = new InProcessHose("remote", host.Pool);
        var directory = new FakeDirectory().Add("remote", remote);
        host.AddDirectory(directory);

        Assert.That(sender.Open("sender"), Is.GreaterThan(0));
        Assert.That(directory.Asked, Is.Empty, "local names never reach the fallback");

        int handle = sender.Open("remote");
        byte[] payload = Payloads.Random(2000, 3);
        Assert.Multiple(() =>
        {
            Assert.That(handle, Is.GreaterThan(0));
            Assert.That(sender.Send(handle, payload), Is.Zero);
            Assert.That(host.Open("remote"), Is.SameAs(remote));
            Assert.That(sender.Open("neither"), Is.EqualTo((int)HoseStatus.UnknownTarget));
            Assert.That(directory.Asked, Is.EqualTo(new[] { "remote", "remote", "neither" }));
        });
        Assert.That(Payloads.Diff(await ReceiveBytesAsync(remote), payload), Is.Empty);
    }

    [Test]
    public async Task DirectoriesAreAskedInTheOrderTheyWereAdded()
    {
        await using FunctionHost host = CreateHost();
        await using var first = new InProcessHose("first", host.Pool);
        await using var second = new InProcessHose("second", host.Pool);
        var one = new FakeDirectory().Add("x", first);
        var two = new FakeDirectory().Add("x", second).Add("y", second);
        host.AddDirectory(one);
        host.AddDirectory(two);

        Assert.Multiple(() =>
        {
            Assert.That(host.Open("x"), Is.SameAs(first));
            Assert.That(host.Open("y"), Is.SameAs(second));
            Assert.That(two.Asked, Is.EqualTo(new[] { "y" }), "the second is asked only when the first does not know the name");
        });
    }

    [Test]
    public async Task LocalFunctionsWinOverAddedDirectories()
    {
        await using FunctionHost host = CreateHost();
        WasmFunction local = host.LoadText("shared-name", Guests.Sink);
        await using var remote = new InProcessHose("shared-name", host.Pool);
        host.AddDirectory(new FakeDirectory().Add("shared-name", remote));

        Assert.That(host.Open("shared-name"), Is.SameAs(local.Guest.Inbox));
    }

    [Test]
    public async Task DirectoryThatThrowsGivesTheGuestInternalAndTheHostCarriesOn()
    {
        await using FunctionHost host = CreateHost();
        var guest = new GuestCalls(host.LoadText("guest", Guests.Caller));
        host.AddDirectory(new ThrowingDirectory());

        Assert.Multiple(() =>
        {
            Assert.That(guest.Open("anything"), Is.EqualTo((int)HoseStatus.Internal), "no .NET exception crosses into the guest");
            Assert.That(() => host.Open("anything"), Throws.InvalidOperationException, ".NET callers see the exception");
            Assert.That(guest.Open("guest"), Is.GreaterThan(0), "local names still resolve");
        });
    }

    [Test]
    public async Task SenderThatThrowsGivesTheGuestInternal()
    {
        await using FunctionHost host = CreateHost();
        var guest = new GuestCalls(host.LoadText("guest", Guests.Caller));
        host.AddDirectory(new FakeDirectory().Add("broken", new ThrowingSender()));
        int handle = guest.Open("broken");

        Assert.Multiple(() =>
        {
            Assert.That(handle, Is.GreaterThan(0));
            Assert.That(guest.Send(handle, GuestCalls.DataOffset, 10), Is.EqualTo((int)HoseStatus.Internal));
            Assert.That(guest.TrySend(handle, GuestCalls.DataOffset, 10), Is.EqualTo((int)HoseStatus.Internal));
            Assert.That(guest.Close(handle), Is.Zero, "the handle itself is fine");
        });
    }

    private sealed class ThrowingDirectory : IHoseDirectory
    {
        public bool TryResolve(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IHoseSender? sender) =>
            throw new InvalidOperationException("directory down");
    }

    private sealed class ThrowingSender : IHoseSender
    {
        public string Name => "broken";

        public HoseStatus TrySend(ReadOnlySpan<byte> payload) => throw new InvalidOperationException("boom");

        public HoseStatus Send(ReadOnlySpan<byte> payload, TimeSpan timeout, CancellationToken cancellationToken = default) => throw new InvalidOperationException("boom");

        public ValueTask SendAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default) => throw new InvalidOperationException("boom");

        public ValueTask SendAsync(System.Buffers.ReadOnlySequence<byte> payload, CancellationToken cancellationToken = default) => throw new InvalidOperationException("boom");

        public ValueTask<HoseClaim> ClaimAsync(int length, CancellationToken cancellationToken = default) => throw new InvalidOperationException("boom");

        public void Complete()
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
