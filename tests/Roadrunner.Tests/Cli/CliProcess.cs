using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Roadrunner.Tests.Cli;

/// <summary>
/// The roadrunner host program (src/Roadrunner.Cli) as a real child process: <c>dotnet exec Roadrunner.Cli.dll …</c>
/// from its own output folder,
/// its output lines kept, waits for a line without sleeping, SIGTERM like a container runtime sends.
/// </summary>
internal sealed partial class CliProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Found)> _waiters = [];
    private readonly TaskCompletionSource _outputClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private CliProcess(Process process) => _process = process;

    /// <summary>Every line written so far (stdout and stderr), in order.</summary>
    public string Output
    {
        get
        {
            lock (_lines)
            {
                return string.Join('\n', _lines);
            }
        }
    }

    public static CliProcess Start(params string[] arguments)
    {
        string dll = typeof(CliProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RoadrunnerCli").Value!;
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in (string[])["exec", dll, .. arguments])
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the host program");
        var cli = new CliProcess(process);
        int open = 2;
        void OnLine(object sender, DataReceivedEventArgs e)
        {
            if (e.Data is null)
            {
                if (Interlocked.Decrement(ref open) == 0)
                {
                    cli._outputClosed.TrySetResult();
                }

                return;
            }

            lock (cli._lines)
            {
                cli._lines.Add(e.Data);
                foreach ((Func<string, bool> match, TaskCompletionSource<string> found) in cli._waiters.Where(w => w.Match(e.Data)))
                {
                    found.TrySetResult(e.Data);
                }
            }
        }

        process.OutputDataReceived += OnLine;
        process.ErrorDataReceived += OnLine;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return cli;
    }

    /// <summary>Writes <paramref name="text"/> to the child's stdin and closes it.</summary>
    public void WriteInputAndClose(string text)
    {
        _process.StandardInput.Write(text);
        _process.StandardInput.Close();
    }

    /// <summary>The first line (already written or to come) that contains <paramref name="text"/>.</summary>
    public async Task<string> WaitForLineAsync(string text, CancellationToken cancellationToken)
    {
        var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lines)
        {
            if (_lines.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal)) is { } line)
            {
                return line;
            }

            _waiters.Add((l => l.Contains(text, StringComparison.Ordinal), found));
        }

        Task exited = _outputClosed.Task;
        Task first = await Task.WhenAny(found.Task, exited, Task.Delay(TimeSpan.FromSeconds(20), cancellationToken));
        return first == found.Task
            ? await found.Task
            : throw new AssertionException($"no line with '{text}' (exited: {first == exited}); output:\n{Output}");
    }

    /// <summary>Waits for the exit (and the end of its output) and returns the exit code.</summary>
    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(TimeSpan.FromSeconds(20));
        await _process.WaitForExitAsync(limit.Token);
        await _outputClosed.Task.WaitAsync(limit.Token);
        return _process.ExitCode;
    }

    /// <summary>Sends SIGTERM (what <c>docker stop</c> and Kubernetes send).</summary>
    public void Terminate() => Assert.That(Kill(_process.Id, 15), Is.Zero, "kill(SIGTERM)");

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
