using System.Text;
using Roadrunner.Hosting;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Wasm;

/// <summary>A push receiver that never returns must not wedge its sender.</summary>
public class PushTimeoutTests
{
    private const string Spinner = """
        (module
          (memory (export "memory") 1)
          (func (export "rr_alloc") (param i32) (result i32) (i32.const 1024))
          (func (export "rr_on_message") (param i32 i32) (loop $forever (br $forever))))
        """;

    private string _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = TestPool.NewFolder();

    [TearDown]
    public void DeleteFolder() => TestPool.Delete(_folder);

    [Test]
    [CancelAfter(20_000)]
    public async Task ASpinningHandlerIsStoppedAndTheSenderToldPeerFailed()
    {
        await using var host = new FunctionHost(new FunctionHostOptions
        {
            Regions = { FolderPath = _folder },
            Guest = { PushTimeout = TimeSpan.FromMilliseconds(200) },
        });
        WasmFunction sender = host.LoadText("sender", Guests.Caller);
        WasmFunction spinner = host.LoadText("spinner", Spinner);
        WasmFunction healthy = host.LoadText("healthy", Guests.PushReceiver);
        Encoding.UTF8.GetBytes("spinnerhealthy").CopyTo(sender.Instance.GetMemory("memory")!.GetSpan(0, 14));
        Func<int, int, int> open = sender.Instance.GetFunction<int, int, int>("open")!;
        Func<int, int, int, int> send = sender.Instance.GetFunction<int, int, int, int>("send")!;

        int toSpinner = sender.Run(_ => open(0, 7));
        int toHealthy = sender.Run(_ => open(7, 7));
        int status = sender.Run(_ => send(toSpinner, 1024, 16));

        Assert.That(status, Is.EqualTo((int)HoseStatus.PeerFailed));
        Assert.That(spinner.Guest.IsFaulted, Is.True);
        Assert.That(sender.Run(_ => send(toSpinner, 1024, 16)), Is.EqualTo((int)HoseStatus.PeerFailed), "a faulted receiver refuses further payloads");
        Assert.That(sender.Run(_ => send(toHealthy, 1024, 16)), Is.EqualTo((int)HoseStatus.Ok), "other receivers are unharmed");
        Assert.That(healthy.Run(i => i.GetFunction<int>("count")!()), Is.EqualTo(1));
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task OrdinaryCallsHaveNoDeadline()
    {
        await using var host = new FunctionHost(new FunctionHostOptions
        {
            Regions = { FolderPath = _folder },
            Guest = { PushTimeout = TimeSpan.FromMilliseconds(50) },
        });
        WasmFunction counter = host.LoadText("counter", """
            (module
              (memory (export "memory") 1)
              (func (export "count_to") (param $n i32) (result i32)
                (local $i i32)
                (loop $again
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (br_if $again (i32.lt_u (local.get $i) (local.get $n))))
                (local.get $i)))
            """);

        // Long enough to cross many epoch ticks: a push deadline must not leak into ordinary calls.
        Func<int, int> countTo = counter.Instance.GetFunction<int, int>("count_to")!;
        Assert.That(counter.Run(_ => countTo(400_000_000)), Is.EqualTo(400_000_000));
    }
}
