using System.Text;
using Roadrunner.Hosting;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Wasm;

/// <summary>open takes 1 to 255 bytes of UTF-8 naming a function or route; anything else is RR_UNKNOWN_TARGET.</summary>
public class TargetNameTests : FolderTest
{
    private const int UnknownTarget = (int)HoseStatus.UnknownTarget;

    private static IEnumerable<TestCaseData> InvalidUtf8()
    {
        yield return new TestCaseData(new byte[] { 0xC3, 0x28 }).SetName("{m}(BadContinuation)");
        yield return new TestCaseData(new byte[] { 0x67, 0x75, 0x65, 0x73, 0x74, 0xFF }).SetName("{m}(StrayFF)");
        yield return new TestCaseData(new byte[] { 0xE2, 0x82 }).SetName("{m}(Truncated)");
        yield return new TestCaseData(new byte[] { 0xED, 0xA0, 0x80 }).SetName("{m}(Surrogate)");
        yield return new TestCaseData(new byte[] { 0xC0, 0xAF }).SetName("{m}(Overlong)");
    }

    [Test]
    public async Task EmptyNameIsUnknown()
    {
        await using FunctionHost host = CreateHost();
        var guest = new GuestCalls(host.LoadText("guest", Guests.Caller));

        Assert.That(guest.Open(GuestCalls.NameOffset, 0), Is.EqualTo(UnknownTarget));
    }

    [Test]
    public async Task NameOf255BytesIsAcceptedAnd256IsUnknown()
    {
        await using FunctionHost host = CreateHost();
        var guest = new GuestCalls(host.LoadText("guest", Guests.Caller));
        host.LoadText(new string('n', 255), Guests.Sink);
        host.LoadText(new string('n', 256), Guests.Sink);

        Assert.Multiple(() =>
        {
            Assert.That(guest.Open(new string('n', 255)), Is.GreaterThan(0));
            Assert.That(guest.Open(new string('n', 256)), Is.EqualTo(UnknownTarget), "too long even though such a function exists");
            Assert.That(guest.Open(GuestCalls.NameOffset, 10_000), Is.EqualTo(UnknownTarget));
        });
    }

    [TestCaseSource(nameof(InvalidUtf8))]
    public async Task InvalidUtf8IsUnknown(byte[] name)
    {
        await using FunctionHost host = CreateHost();
        var guest = new GuestCalls(host.LoadText("guest", Guests.Caller));
        guest.Write(GuestCalls.NameOffset, name);

        Assert.That(guest.Open(GuestCalls.NameOffset, name.Length), Is.EqualTo(UnknownTarget));
    }

    [Test]
    public async Task NamesAreMatchedExactly()
    {
        await using FunctionHost host = CreateHost();
        var guest = new GuestCalls(host.LoadText("guest", Guests.Caller));

        Assert.Multiple(() =>
        {
            Assert.That(guest.Open("nobody"), Is.EqualTo(UnknownTarget));
            Assert.That(guest.Open("Guest"), Is.EqualTo(UnknownTarget), "names are case-sensitive");
            Assert.That(guest.Open("guest "), Is.EqualTo(UnknownTarget));
            Assert.That(guest.Open("gues"), Is.EqualTo(UnknownTarget));
            Assert.That(guest.Open("guest"), Is.GreaterThan(0));
        });
    }

    [Test]
    public async Task MultiByteUtf8NamesWork()
    {
        await using FunctionHost host = CreateHost();
        var guest = new GuestCalls(host.LoadText("guest", Guests.Caller));
        var puller = new GuestCalls(host.LoadText("empfänger-🚀", Guests.Caller));

        int handle = guest.Open("empfänger-🚀");

        Assert.That(Encoding.UTF8.GetByteCount("empfänger-🚀"), Is.GreaterThan("empfänger-🚀".Length));
        Assert.That(handle, Is.GreaterThan(0));
        Assert.That(guest.Send(handle, GuestCalls.DataOffset, 3), Is.Zero);
        Assert.That(puller.NextLength(), Is.EqualTo(3));
    }
}
