using Roadrunner.Hosting;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Wasm;

/// <summary>
/// A module is a push receiver (both rr_alloc and rr_on_message, with the documented signatures) or a pull receiver
/// (neither). Anything in between is refused at load: it would otherwise become a pull receiver whose payloads pile up
/// unseen.
/// </summary>
public class PushExportsTests : FolderTest
{
    private const string Alloc = """(func (export "rr_alloc") (param i32) (result i32) (i32.const 1024))""";
    private const string OnMessage = """(func (export "rr_on_message") (param i32 i32))""";

    [TestCase(Alloc, "exports 'rr_alloc' but not 'rr_on_message'")]
    [TestCase(OnMessage, "exports 'rr_on_message' but not 'rr_alloc'")]
    [TestCase("""(func (export "rr_alloc") (param i64) (result i32) (i32.const 1024))""" + OnMessage, "'rr_alloc' as (i64) -> (i32)")]
    [TestCase("""(func (export "rr_alloc") (param i32) (i32.const 1024) drop)""" + OnMessage, "'rr_alloc' as (i32) -> ()")]
    [TestCase(Alloc + """(func (export "rr_on_message") (param i32 i32) (result i32) (i32.const 0))""", "'rr_on_message' as (i32, i32) -> (i32)")]
    [TestCase(Alloc + """(func (export "rr_on_message") (param i32))""", "'rr_on_message' as (i32) -> ()")]
    [TestCase("""(global (export "rr_alloc") i32 (i32.const 0))""" + OnMessage, "exports 'rr_alloc' as something other than a function")]
    public async Task AHalfPushModuleIsRefusedAtLoadAndTheNameStaysFree(string exports, string expected)
    {
        await using FunctionHost host = CreateHost();

        var error = Assert.Throws<ArgumentException>(() => host.LoadText("half", $"""(module (memory (export "memory") 1) {exports})"""));

        Assert.That(error!.Message, Does.Contain("Function 'half'").And.Contain(expected));
        Assert.That(host.Directory.TryResolve("half", out _), Is.False, "a refused module takes no name");
        WasmFunction good = host.LoadText("half", Guests.PushReceiver);
        Assert.That(good.Guest.IsPushReceiver, Is.True, "the name can be used by a good module");
    }

    [Test]
    public async Task ModulesWithBothOrNeitherExportLoad()
    {
        await using FunctionHost host = CreateHost();

        Assert.Multiple(() =>
        {
            Assert.That(host.LoadText("push", $"""(module (memory (export "memory") 1) {Alloc} {OnMessage})""").Guest.IsPushReceiver, Is.True);
            Assert.That(host.LoadText("pull", Guests.Sink).Guest.IsPushReceiver, Is.False);
        });
    }
}
