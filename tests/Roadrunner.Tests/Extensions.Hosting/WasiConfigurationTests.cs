using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Roadrunner.Hosting;

namespace Roadrunner.Tests.Extensions.Hosting;

/// <summary>WASI per function from configuration: environment, arguments, folders, and output routed to the logger.</summary>
public class WasiConfigurationTests : HostedNodeTest
{
    /// <summary>
    /// "env" and "args" write the guest's environment / arguments to stdout, one per line; "hello" writes a line to
    /// stdout and an unfinished one to stderr; "list" writes the name of the first preopened folder.
    /// </summary>
    private const string Printer = """
        (module
          (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (param i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "fd_prestat_dir_name" (func $prestat_dir_name (param i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (data (i32.const 100) "hello from the guest\n")
          (data (i32.const 200) "no newline at the end")
          ;; writes [ptr, ptr+len) to fd, newlines for NULs
          (func $write (param $fd i32) (param $ptr i32) (param $len i32)
            (local $i i32)
            (block $done (loop $next
              (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
              (if (i32.eqz (i32.load8_u (i32.add (local.get $ptr) (local.get $i))))
                (then (i32.store8 (i32.add (local.get $ptr) (local.get $i)) (i32.const 10))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br $next)))
            (i32.store (i32.const 0) (local.get $ptr))
            (i32.store (i32.const 4) (local.get $len))
            (drop (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8))))
          (func (export "hello")
            (call $write (i32.const 1) (i32.const 100) (i32.const 21))
            (call $write (i32.const 2) (i32.const 200) (i32.const 21)))
          (func (export "env")
            (drop (call $environ_sizes_get (i32.const 16) (i32.const 20)))
            (drop (call $environ_get (i32.const 1024) (i32.const 4096)))
            (call $write (i32.const 1) (i32.const 4096) (i32.load (i32.const 20))))
          (func (export "args")
            (drop (call $args_sizes_get (i32.const 16) (i32.const 20)))
            (drop (call $args_get (i32.const 1024) (i32.const 4096)))
            (call $write (i32.const 1) (i32.const 4096) (i32.load (i32.const 20))))
          (func (export "dir")
            (drop (call $prestat_dir_name (i32.const 3) (i32.const 4096) (i32.const 2)))
            (i32.store8 (i32.const 4098) (i32.const 0))
            (call $write (i32.const 1) (i32.const 4096) (i32.const 3))))
        """;

    private string _module = null!;
    private string _shared = null!;

    [SetUp]
    public void WritePrinter()
    {
        _module = WriteModule("printer", Printer);
        _shared = ModuleFolder;
    }

    [Test]
    public async Task OutputEnvironmentArgumentsAndFoldersComeFromConfiguration()
    {
        using IHost host = BuildHost($$"""
            { "Roadrunner": { "Functions": [ { "Name": "printer", "Path": {{Json(_module)}},
                "Wasi": { "Environment": { "GREETING": "hi", "MODE": "test" }, "Arguments": [ "printer", "--fast" ],
                          "PreopenedDirectories": [ { "HostPath": {{Json(_shared)}}, "GuestPath": "/d" } ] } } ] } }
            """);
        await host.StartAsync(Ct);
        WasmFunction printer = host.Services.GetRequiredService<FunctionHost>()["printer"];

        foreach (string export in new[] { "hello", "env", "args", "dir" })
        {
            printer.Run(i =>
            {
                i.GetAction(export)!();
                return 0;
            });
        }

        await host.StopAsync(Ct); // flushes the unfinished stderr line
        string[] stdout = [.. Logs.Where(l => l.EventName == "GuestOutput" && l.Level == LogLevel.Information).Select(l => l.Message)];
        string[] stderr = [.. Logs.Where(l => l.EventName == "GuestOutput" && l.Level == LogLevel.Warning).Select(l => l.Message)];
        Assert.Multiple(() =>
        {
            Assert.That(stdout, Is.EqualTo(new[]
            {
                "printer stdout: hello from the guest",
                "printer stdout: GREETING=hi", "printer stdout: MODE=test",
                "printer stdout: printer", "printer stdout: --fast",
                "printer stdout: /d",
            }));
            Assert.That(stderr, Is.EqualTo(new[] { "printer stderr: no newline at the end" }));
            Assert.That(Logs.Where(l => l.EventName == "GuestOutput").Select(l => l.Category).Distinct(), Is.EqualTo(new[] { "Roadrunner.Guest" }));
        });
    }

    [Test]
    public async Task OutputCanBeDiscarded()
    {
        using IHost host = BuildHost($$"""
            { "Roadrunner": { "Functions": [ { "Name": "printer", "Path": {{Json(_module)}},
                "Wasi": { "StandardOutput": "Discard", "StandardError": "Discard" } } ] } }
            """);
        await host.StartAsync(Ct);
        host.Services.GetRequiredService<FunctionHost>()["printer"].Run(i =>
        {
            i.GetAction("hello")!();
            return 0;
        });
        await host.StopAsync(Ct);

        Assert.That(Logs.Where(l => l.EventName == "GuestOutput"), Is.Empty);
    }

    [Test]
    public void AGuestLineLongerThanTheCapIsLoggedInPieces()
    {
        var logs = new List<string>();
        var log = new GuestOutputLog(new ListLogger(logs), "f", "stdout", LogLevel.Information);

        log.Write(new byte[GuestOutputLog.MaxLineBytes + 5].AsSpan().ToArray().Select(_ => (byte)'x').ToArray());
        log.Complete();

        Assert.That(logs.Select(l => l.Length), Is.EqualTo(new[] { "f stdout: ".Length + GuestOutputLog.MaxLineBytes, "f stdout: ".Length + 5 }));
    }

    private sealed class ListLogger(List<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Add(formatter(state, exception));
    }
}
