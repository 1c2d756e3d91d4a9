using Roadrunner.Hosting;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Hosting;

/// <summary>Loading functions: names, files, modules the host cannot use.</summary>
public class FunctionHostTests : FolderTest
{
    [Test]
    public async Task LoadedFunctionsAreFoundByName()
    {
        await using FunctionHost host = CreateHost();
        WasmFunction a = host.LoadText("a", Guests.Caller);
        WasmFunction b = host.LoadText("b", Guests.PushReceiver);

        Assert.Multiple(() =>
        {
            Assert.That(host["a"], Is.SameAs(a));
            Assert.That(host["b"], Is.SameAs(b));
            Assert.That(a.Name, Is.EqualTo("a"));
            Assert.That(host.Functions, Is.EquivalentTo(new[] { a, b }));
            Assert.That(host.Directory.TryResolve("a", out IHoseSender? sender), Is.True);
            Assert.That(sender, Is.SameAs(a.Guest.Inbox));
            Assert.That(host.Pool.FolderPath, Is.EqualTo(Path.GetFullPath(Folder)));
        });
    }

    [Test]
    public async Task DuplicateNameThrowsAndKeepsTheFirstFunction()
    {
        await using FunctionHost host = CreateHost();
        WasmFunction first = host.LoadText("twice", Guests.Caller);

        Assert.That(() => host.LoadText("twice", Guests.PushReceiver), Throws.ArgumentException.With.Message.Contains("twice"));
        Assert.Multiple(() =>
        {
            Assert.That(host["twice"], Is.SameAs(first));
            Assert.That(host.Functions, Has.Count.EqualTo(1));
            Assert.That(host.Open("twice"), Is.SameAs(first.Guest.Inbox));
        });
    }

    [Test]
    public async Task UnknownNameInTheIndexerThrows()
    {
        await using FunctionHost host = CreateHost();
        host.LoadText("known", Guests.Caller);

        Assert.That(() => host["unknown"], Throws.TypeOf<KeyNotFoundException>().With.Message.Contains("unknown"));
    }

    [TestCase("")]
    [TestCase(null)]
    public async Task EmptyOrNullNameThrows(string? name)
    {
        await using FunctionHost host = CreateHost();

        Assert.That(() => host.LoadText(name!, Guests.Caller), Throws.InstanceOf<ArgumentException>());
    }

    [Test]
    public async Task LoadFileCompilesAWatFile()
    {
        await using FunctionHost host = CreateHost();
        string path = Path.Combine(Path.GetTempPath(), $"rr-test-{Guid.NewGuid():N}.wat");
        await File.WriteAllTextAsync(path, Guests.PushReceiver, Ct);
        try
        {
            WasmFunction function = host.LoadFile("fromfile", path);
            var sender = new GuestCalls(host.LoadText("sender", Guests.Caller));

            Assert.That(function.Guest.IsPushReceiver, Is.True);
            Assert.That(sender.Send(sender.Open("fromfile"), GuestCalls.DataOffset, 77), Is.Zero);
            Assert.That(function.Run(i => i.GetFunction<int>("last_length")!()), Is.EqualTo(77));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public async Task LoadFileReadsABinaryModule()
    {
        await using FunctionHost host = CreateHost();

        WasmFunction consumer = host.LoadFile("consumer", CGuests.Consumer);

        Assert.That(consumer.Guest.IsPushReceiver, Is.True);
        Assert.That(consumer.Call("message_count"), Is.Zero);
    }

    [TestCase(Guests.NoMemory)]
    [TestCase(Guests.MemoryNamedOtherwise)]
    public async Task ModuleWithoutAMemoryExportIsRefusedClearly(string wat)
    {
        await using FunctionHost host = CreateHost();

        Assert.That(() => host.LoadText("nomemory", wat), Throws.ArgumentException.With.Message.Contains("memory"));
        Assert.Multiple(() =>
        {
            Assert.That(host.Functions, Is.Empty);
            Assert.That(() => host.Open("nomemory"), Throws.TypeOf<HoseException>(), "the refused function is not reachable");
            Assert.That(host.LoadText("nomemory", Guests.Caller).Name, Is.EqualTo("nomemory"), "and its name stays free");
        });
    }

    [Test]
    public async Task ModuleWithAnUnknownImportIsRefused()
    {
        await using FunctionHost host = CreateHost();
        const string wat = """(module (import "roadrunner" "teleport" (func (param i32) (result i32))) (memory (export "memory") 1))""";

        Assert.That(() => host.LoadText("odd", wat), Throws.InstanceOf<Wasmtime.WasmtimeException>());
        Assert.That(host.Functions, Is.Empty);
    }

    [Test]
    public async Task CallInvokesAnExportByNameAndRejectsUnknownOnes()
    {
        await using FunctionHost host = CreateHost();
        WasmFunction receiver = host.LoadText("receiver", Guests.PushReceiver);

        Assert.Multiple(() =>
        {
            Assert.That(receiver.Call("last_length"), Is.EqualTo(-1));
            Assert.That(() => receiver.Call("no_such_export"), Throws.ArgumentException);
        });
    }

    [Test]
    public async Task MaxGuestMemoryBytesLimitsGrowth()
    {
        await using FunctionHost host = CreateHost(o => o.MaxGuestMemoryBytes = 4 * 65536);
        var guest = new GuestCalls(host.LoadText("guest", Guests.Caller));

        Assert.Multiple(() =>
        {
            Assert.That(guest.Grow(2), Is.EqualTo(2));
            Assert.That(guest.Grow(1), Is.EqualTo(-1), "past the limit memory.grow fails");
            Assert.That(guest.MemoryLength, Is.EqualTo(4 * 65536));
        });
    }
}
