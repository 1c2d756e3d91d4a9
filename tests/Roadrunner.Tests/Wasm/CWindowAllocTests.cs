using System.Runtime.Versioning;
using Roadrunner.Hosting;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Wasm;

/// <summary>
/// rr_window_alloc of guest/c/roadrunner.h (through newuser.wasm's <c>window(len)</c> export) asked for more than a
/// memory can hold. The header promises a window of rr_window_size(len) bytes or NULL; the Rust crate's Window::new
/// answers TooLarge for such lengths.
/// </summary>
[SupportedOSPlatform("linux")]
public class CWindowAllocTests : FolderTest
{
    // rr_window_size(len) wraps to 0 for len > 0xFFFF0000: rr_window_alloc once handed out a one-page window for a
    // 4 GiB request, and a guest writing len bytes into it ran over its own memory.
    [TestCase(0xFFFF0001u)]
    [TestCase(0xFFFFFFFFu)]
    public async Task AWindowLargerThanAnyMemoryIsNull(uint length)
    {
        await using FunctionHost host = CreateHost();
        var guest = NewUserGuest.Load(host, "g");
        int sizeBefore = guest.Call("size");

        int window = guest.Call("window", unchecked((int)length));

        Assert.Multiple(() =>
        {
            Assert.That(window, Is.Zero, "NULL: no memory can hold the window");
            Assert.That(guest.Call("size"), Is.EqualTo(sizeBefore), "memory not grown for a window that was refused");
        });
    }
}
