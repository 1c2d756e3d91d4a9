using System.Runtime.Versioning;
using System.Text;
using Roadrunner.Hosting;
using Roadrunner.Tests.Support;
using Roadrunner.Wasm;
using Wasmtime;

namespace Roadrunner.Tests.Wasm;

/// <summary>Guest memories kept in files (<see cref="FunctionHostOptions.GuestMemoryInFiles"/>), through Wasmtime's host memory creator.</summary>
[SupportedOSPlatform("linux")]
public class GuestMemoryFileTests : FolderTest
{
    private const int Page = 65536;

    private const string Guest = """
        (module
          (memory (export "memory") 2 8)
          (data (i32.const 100) "roadrunner")
          (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
          (func (export "store") (param i32 i32) (i32.store8 (local.get 0) (local.get 1))))
        """;

    [Test]
    public async Task TheMemoryIsAPrivateFileThatGrowsInPlace()
    {
        await using FunctionHost host = CreateHost(o => o.GuestMemoryInFiles = true);
        WasmFunction function = host.LoadText("f", Guest);
        Memory memory = function.Instance.GetMemory("memory")!;
        nint start = memory.GetPointer();

        Assert.That(GuestMemoryFile.TryFind(memory.GetSpan(100, 10), out GuestMemoryFile? file, out long offset), Is.True);
        Assert.That(offset, Is.EqualTo(100));
        Assert.That(Path.GetDirectoryName(file!.Path), Is.EqualTo(Path.GetFullPath(Folder)));
        Assert.That(File.GetUnixFileMode(file.Path), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        Assert.That(Encoding.ASCII.GetString(ReadFile(file.Path, 100, 10)), Is.EqualTo("roadrunner"), "the data segment is in the file");

        Assert.That(function.Run(i => i.GetFunction<int, int>("grow")!(3)), Is.EqualTo(2));
        Assert.That(memory.GetPointer(), Is.EqualTo(start), "grown in place");
        Assert.That(new FileInfo(file.Path).Length, Is.EqualTo(5 * Page));
        function.Run(i =>
        {
            i.GetAction<int, int>("store")!((5 * Page) - 1, 7);
            return 0;
        });
        Assert.That(ReadFile(file.Path, (5 * Page) - 1, 1)[0], Is.EqualTo(7), "a store into the grown part lands in the file");
        Assert.That(function.Run(i => i.GetFunction<int, int>("grow")!(4)), Is.EqualTo(-1), "past the maximum: memory.grow fails, nothing else");
    }

    [Test]
    public async Task OnlySpansWhollyInsideALiveMemoryAreFound()
    {
        await using FunctionHost host = CreateHost(o => o.GuestMemoryInFiles = true);
        Memory memory = host.LoadText("f", Guest).Instance.GetMemory("memory")!;
        unsafe
        {
            var tail = new ReadOnlySpan<byte>((byte*)memory.GetPointer() + (2 * Page) - 8, 8);
            var pastTheEnd = new ReadOnlySpan<byte>((byte*)memory.GetPointer() + (2 * Page) - 8, 9);
            Assert.That(GuestMemoryFile.TryFind(tail, out _, out long offset), Is.True);
            Assert.That(offset, Is.EqualTo((2 * Page) - 8));
            Assert.That(GuestMemoryFile.TryFind(pastTheEnd, out _, out _), Is.False);
        }

        Assert.That(GuestMemoryFile.TryFind(new byte[16], out _, out _), Is.False, "a .NET array");
    }

    [Test]
    public async Task ADetachedRangeKeepsTheGuestsLaterWritesOutOfTheFileAndIsNeverLentAgain()
    {
        await using FunctionHost host = CreateHost(o => o.GuestMemoryInFiles = true);
        WasmFunction function = host.LoadText("f", Guest);
        Memory memory = function.Instance.GetMemory("memory")!;
        Assert.That(GuestMemoryFile.TryFind(memory.GetSpan(Page, 16), out GuestMemoryFile? file, out _), Is.True);
        Store(Page + 10, 1);
        Store(Page + 4096 + 10, 2);

        file!.Detach(Page + 10, 4096); // touches two pages: both are detached
        Store(Page + 10, 3);
        Store(Page + 4096 + 10, 4);
        Store(10, 5);

        Assert.Multiple(() =>
        {
            Assert.That(memory.GetSpan(Page + 10, 1)[0], Is.EqualTo(3), "the guest sees its own write");
            Assert.That(ReadFile(file.Path, Page + 10, 1)[0], Is.EqualTo(1), "a receiver reading the file still sees the payload");
            Assert.That(ReadFile(file.Path, Page + 4096 + 10, 1)[0], Is.EqualTo(2), "the second page too");
            Assert.That(ReadFile(file.Path, 10, 1)[0], Is.EqualTo(5), "pages outside the range still write through");
            Assert.That(GuestMemoryFile.TryFind(memory.GetSpan(Page + 8000, 100), out _, out _), Is.False, "never lent again");
            Assert.That(GuestMemoryFile.TryFind(memory.GetSpan(Page + 8192, 100), out _, out _), Is.True, "the next page is not detached");
            Assert.That(() => file.OpenWindow(Page, Page), Throws.InstanceOf<ArgumentOutOfRangeException>(), "no window over detached pages");
        });
        Assert.That(function.Run(i => i.GetFunction<int, int>("grow")!(1)), Is.EqualTo(2), "the memory still grows in place");
        Assert.That(memory.GetSpan(Page + 10, 1)[0], Is.EqualTo(3), "and keeps the detached bytes");

        void Store(int address, int value) => function.Run(i =>
        {
            i.GetAction<int, int>("store")!(address, value);
            return 0;
        });
    }

    [Test]
    public async Task DisposingTheHostDeletesTheFileAndForgetsTheMemory()
    {
        string path;
        await using (FunctionHost host = CreateHost(o => o.GuestMemoryInFiles = true))
        {
            Memory memory = host.LoadText("f", Guest).Instance.GetMemory("memory")!;
            Assert.That(GuestMemoryFile.TryFind(memory.GetSpan(0, 1), out GuestMemoryFile? file, out _), Is.True);
            path = file!.Path;
            Assert.That(File.Exists(path), Is.True);
        }

        Assert.That(File.Exists(path), Is.False);
        Assert.That(RegionFiles(), Is.Empty);
    }

    [Test]
    public async Task WithoutTheOptionGuestMemoriesAreNotFiles()
    {
        await using FunctionHost host = CreateHost();
        Memory memory = host.LoadText("f", Guest).Instance.GetMemory("memory")!;
        Assert.That(GuestMemoryFile.TryFind(memory.GetSpan(0, 16), out _, out _), Is.False);
        Assert.That(RegionFiles(), Is.Empty);
    }

    [Test]
    public void AnEngineFromOutsideCannotKeepMemoriesInFiles()
    {
        using var engine = new Engine();
        Assert.That(() => new FunctionHost(new FunctionHostOptions { Regions = { FolderPath = Folder }, GuestMemoryInFiles = true }, engine), Throws.ArgumentException);
    }

    private static byte[] ReadFile(string path, long offset, int length)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var bytes = new byte[length];
        stream.Position = offset;
        stream.ReadExactly(bytes);
        return bytes;
    }
}
