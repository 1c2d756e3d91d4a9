using Roadrunner.Hosting;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Wasm;

public class SmokeTests
{
    private string _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = TestPool.NewFolder();

    [TearDown]
    public void DeleteFolder() => TestPool.Delete(_folder);

    [Test]
    public async Task GuestSendsToPushReceiverInOneCall()
    {
        string folder = _folder;
        await using var host = new FunctionHost(new FunctionHostOptions { Regions = { FolderPath = folder } });
        WasmFunction sender = host.LoadText("sender", Guests.Caller);
        WasmFunction receiver = host.LoadText("receiver", Guests.PushReceiver);
        System.Text.Encoding.UTF8.GetBytes("receiver").CopyTo(sender.Instance.GetMemory("memory")!.GetSpan(0, 8));

        int handle = sender.Run(i => i.GetFunction<int, int, int>("open")!(0, 8));
        Assert.That(handle, Is.GreaterThan(0));
        int status = sender.Run(i => i.GetFunction<int, int, int, int>("send")!(handle, 1024, 4000));
        Assert.That(status, Is.EqualTo(0));
        Assert.That(receiver.Run(i => i.GetFunction<int>("count")!()), Is.EqualTo(1));
        Assert.That(receiver.Run(i => i.GetFunction<int>("last_length")!()), Is.EqualTo(4000));
    }
}
