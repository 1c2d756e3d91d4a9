using System.Diagnostics;
using System.Text;

namespace Roadrunner.Workloads;

/// <summary>
/// A Roadrunner.Peer child process: a second host that serves functions over a cross-process or network hose. It
/// prints "ready" once serving, then answers one line on stdout for each command line written to its stdin.
/// </summary>
public sealed class PeerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _errors = new();
    private readonly SemaphoreSlim _requests = new(1, 1);

    private PeerProcess(Process process)
    {
        _process = process;
    }

    /// <summary>The child's process id.</summary>
    public int Id => _process.Id;

    /// <summary>True once the child has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>What the child wrote to stderr so far (for failure messages).</summary>
    public string Errors
    {
        get
        {
            lock (_errors)
            {
                return _errors.ToString();
            }
        }
    }

    /// <summary>Starts <c>Roadrunner.Peer &lt;command&gt; &lt;arguments&gt;</c> and waits for its "ready" line.</summary>
    /// <param name="command">The peer command (see Roadrunner.Peer's PeerCommands).</param>
    /// <param name="arguments">Its arguments.</param>
    /// <param name="cancellationToken">Cancels the start; the child is killed.</param>
    /// <returns>The running peer.</returns>
    /// <exception cref="InvalidOperationException">The child exited or did not get ready in 60 seconds.</exception>
    public static async Task<PeerProcess> StartAsync(string command, IEnumerable<string> arguments, CancellationToken cancellationToken = default)
    {
        string peerDll = Path.Combine(AppContext.BaseDirectory, "Roadrunner.Peer.dll");
        if (!File.Exists(peerDll))
        {
            throw new FileNotFoundException("Roadrunner.Peer.dll is not next to this program; reference samples/Roadrunner.Peer.", peerDll);
        }

        var info = new ProcessStartInfo(DotnetMuxer())
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("exec");
        info.ArgumentList.Add(peerDll);
        info.ArgumentList.Add(command);
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start Roadrunner.Peer.");
        var peer = new PeerProcess(process);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (peer._errors)
                {
                    peer._errors.AppendLine(e.Data);
                }
            }
        };
        process.BeginErrorReadLine();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            string? line = await process.StandardOutput.ReadLineAsync(timeout.Token).ConfigureAwait(false);
            if (line != "ready")
            {
                throw new InvalidOperationException($"Roadrunner.Peer {command} did not get ready (said '{line}'): {peer.Errors}");
            }

            return peer;
        }
        catch
        {
            peer.Kill();
            process.Dispose();
            throw;
        }
    }

    /// <summary>Sends one command line and returns the child's one-line answer.</summary>
    /// <param name="line">The command.</param>
    /// <param name="cancellationToken">Cancels the wait for the answer.</param>
    /// <returns>The answer.</returns>
    /// <exception cref="InvalidOperationException">The child exited instead of answering.</exception>
    public async Task<string> RequestAsync(string line, CancellationToken cancellationToken = default)
    {
        await _requests.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _process.StandardInput.WriteLineAsync(line.AsMemory(), cancellationToken).ConfigureAwait(false);
            await _process.StandardInput.FlushAsync(cancellationToken).ConfigureAwait(false);
            return await _process.StandardOutput.ReadLineAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"Roadrunner.Peer exited instead of answering '{line}': {Errors}");
        }
        finally
        {
            _requests.Release();
        }
    }

    /// <summary>Kills the child at once (like <c>kill -9</c>).</summary>
    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    /// <summary>Waits for the child to exit.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the child has exited.</returns>
    public Task WaitForExitAsync(CancellationToken cancellationToken = default) => _process.WaitForExitAsync(cancellationToken);

    /// <summary>Asks the child to exit, and kills it if it has not within five seconds.</summary>
    /// <returns>A task that completes when the child is gone.</returns>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try
            {
                await _process.StandardInput.WriteLineAsync("exit").ConfigureAwait(false);
                await _process.StandardInput.FlushAsync().ConfigureAwait(false);
                _process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The pipe is already closed: the child is exiting.
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                Kill();
                await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }

        _process.Dispose();
        _requests.Dispose();
    }

    /// <summary>The <c>dotnet</c> executable that runs this process (also under <c>dotnet test</c>).</summary>
    private static string DotnetMuxer()
    {
        string? fromHost = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromHost) && File.Exists(fromHost))
        {
            return fromHost;
        }

        string? current = Environment.ProcessPath;
        return current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet" ? current : "dotnet";
    }
}
