using Roadrunner.Hosting;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Wasm;

/// <summary>Handles: opened per instance, closed once, bounded in number; anything else is RR_BAD_HANDLE.</summary>
public class HandleTests : FolderTest
{
    private const int BadHandle = (int)HoseStatus.BadHandle;

    [Test]
    public async Task HandlesArePositiveAndTwoOpensOfOneNameGiveTwoHandles()
    {
        await using FunctionHost host = CreateHost();
        var guest = new GuestCalls(host.LoadText("guest", Guests.Caller));
        var puller = new GuestCalls(host.LoadText("puller", Guests.Caller));

        int first = guest.Open("puller");
        int second = guest.Open("puller");

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.GreaterThan(0));
            Assert.That(second, Is.GreaterThan(0).And.Not.EqualTo(first));
            Assert.That(guest.Send(first, GuestCalls.DataOffset, 1), Is.Zero);
            Assert.That(guest.Send(second, GuestCalls.DataOffset, 2), Is.Zero);
            Assert.That(puller.Receive(GuestCalls.DataOffset, 10), Is.EqualTo(1), "both handles reach the same inbox");
            Assert.That(puller.Receive(GuestCalls.DataOffset, 10), Is.EqualTo(2));
        });
    }

    [Test]
    public async Task ClosingTwiceGivesBadHandle()
    {
        await using FunctionHost host = CreateHost();
        var guest = new GuestCalls(host.LoadText("guest", Guests.Caller));
        int handle = guest.Open("guest");

        Assert.Multiple(() =>
        {
            Assert.That(guest.Close(handle), Is.Zero);
            Assert.That(guest.Close(handle), Is.EqualTo(BadHandle));
            Assert.That(guest.Send(handle, GuestCalls.DataOffset, 1), Is.EqualTo(BadHandle), "a closed handle cannot send");
            Assert.That(guest.TrySend(handle, GuestCalls.DataOffset, 1), Is.EqualTo(BadHandle));
        });
    }

    [TestCase(0)]
    [TestCase(-1)]
    [TestCase(int.MinValue)]
    [TestCase(2)]
    [TestCase(1025)]
    [TestCase(int.MaxValue)]
    public async Task HandlesNeverOpenedAreBad(int handle)
    {
        await using FunctionHost host = CreateHost();
        var guest = new GuestCalls(host.LoadText("guest", Guests.Caller));
        Assert.That(guest.Open("guest"), Is.EqualTo(1));

        Assert.Multiple(() =>
        {
            Assert.That(guest.Send(handle, GuestCalls.DataOffset, 1), Is.EqualTo(BadHandle));
            Assert.That(guest.TrySend(handle, GuestCalls.DataOffset, 1), Is.EqualTo(BadHandle));
            Assert.That(guest.Close(handle), Is.EqualTo(BadHandle));
            Assert.That(guest.NextLength(), Is.EqualTo((int)HoseStatus.WouldBlock), "nothing was sent anywhere");
        });
    }

    [Test]
    public async Task HandlesBelongToTheInstanceThatOpenedThem()
    {
        await using FunctionHost host = CreateHost();
        var owner = new GuestCalls(host.LoadText("owner", Guests.Caller));
        var other = new GuestCalls(host.LoadText("other", Guests.Caller));
        int handle = owner.Open("owner");

        Assert.Multiple(() =>
        {
            Assert.That(other.Send(handle, GuestCalls.DataOffset, 1), Is.EqualTo(BadHandle));
            Assert.That(other.Close(handle), Is.EqualTo(BadHandle));
            Assert.That(owner.Send(handle, GuestCalls.DataOffset, 1), Is.Zero);
        });
    }

    [Test]
    public async Task TooManyHandlesIsRefusedUntilOneIsClosed()
    {
        await using FunctionHost host = CreateHost(o => o.Guest.MaxHandles = 3);
        var guest = new GuestCalls(host.LoadText("guest", Guests.Caller));
        int[] handles = [guest.Open("guest"), guest.Open("guest"), guest.Open("guest")];

        Assert.Multiple(() =>
        {
            Assert.That(handles, Is.EqualTo(new[] { 1, 2, 3 }));
            Assert.That(guest.Open("guest"), Is.EqualTo((int)HoseStatus.TooManyHandles));
            Assert.That((int)HoseStatus.TooManyHandles, Is.EqualTo(-9));
        });

        Assert.That(guest.Close(2), Is.Zero);
        int reopened = guest.Open("guest");
        Assert.Multiple(() =>
        {
            Assert.That(reopened, Is.EqualTo(2), "the freed slot is reused");
            Assert.That(guest.Open("guest"), Is.EqualTo((int)HoseStatus.TooManyHandles));
            Assert.That(guest.Send(reopened, GuestCalls.DataOffset, 4), Is.Zero);
        });
    }

    [Test]
    public async Task DefaultLimitIs1024HandlesPerInstance()
    {
        await using FunctionHost host = CreateHost();
        var guest = new GuestCalls(host.LoadText("guest", Guests.Caller));
        guest.Write(GuestCalls.NameOffset, "guest"u8.ToArray());

        int[] results = guest.Function.Run(i =>
        {
            Func<int, int, int> open = i.GetFunction<int, int, int>("open")!;
            return Enumerable.Range(0, 1025).Select(_ => open(GuestCalls.NameOffset, 5)).ToArray();
        });

        Assert.Multiple(() =>
        {
            Assert.That(results.Take(1024), Is.EqualTo(Enumerable.Range(1, 1024)));
            Assert.That(results[1024], Is.EqualTo((int)HoseStatus.TooManyHandles));
        });
    }
}
