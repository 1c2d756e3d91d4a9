using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Roadrunner.Tests.Hoses.Network;

/// <summary>
/// A real DNS server for tests: Debian's dnsmasq on 127.0.0.1 and a free port, answering only the records given
/// (<c>--srv-host</c>, <c>--host-record</c>), with their TTL set by <c>--local-ttl</c>. It does not reload SRV records on
/// SIGHUP, so <see cref="Restart"/> replaces the process (same port). Dispose kills it.
/// </summary>
internal sealed class Dnsmasq : IDisposable
{
    /// <summary>The zone it answers for itself: unknown names there get NXDOMAIN (as a cluster's DNS answers for a Service that does not exist), not REFUSED.</summary>
    public const string Zone = "rr.test";

    private static readonly TimeSpan StartGuard = TimeSpan.FromSeconds(15);
    private Process? _process;

    private Dnsmasq(int port) => EndPoint = new IPEndPoint(IPAddress.Loopback, port);

    public IPEndPoint EndPoint { get; }

    /// <summary>An SRV record: <paramref name="name"/> served by <paramref name="target"/>:<paramref name="port"/>.</summary>
    public static string Srv(string name, string target, int port, int priority, int weight) => $"--srv-host={name},{target},{port},{priority},{weight}";

    /// <summary>An A record.</summary>
    public static string Host(string name, string address) => $"--host-record={name},{address}";

    /// <summary>Starts dnsmasq on a free UDP port of 127.0.0.1 (another port if that one was taken meanwhile).</summary>
    public static Dnsmasq Start(int ttl, params string[] records)
    {
        EnsureInstalled();
        for (int attempt = 1; ; attempt++)
        {
            var server = new Dnsmasq(FreeUdpPort());
            try
            {
                server.Restart(ttl, records);
                return server;
            }
            catch (InvalidOperationException) when (attempt < 5)
            {
                server.Dispose();
            }
        }
    }

    /// <summary>
    /// Installs Debian's dnsmasq-base with .ci/install.sh when it is missing and this runs as root (as on CI and the
    /// project's machines), so the README's test command needs nothing installed by hand; elsewhere the start fails
    /// and says what to install.
    /// </summary>
    private static void EnsureInstalled()
    {
        lock (InstallLock)
        {
            if (s_installChecked || Environment.GetEnvironmentVariable("PATH")?.Split(':').Any(d => File.Exists(Path.Combine(d, "dnsmasq"))) == true)
            {
                s_installChecked = true;
                return;
            }

            s_installChecked = true;
            string? script = FindUp(".ci/install.sh");
            if (Environment.UserName != "root" || script is null)
            {
                return; // Restart reports the missing program
            }

            using Process install = Process.Start(new ProcessStartInfo("bash", [script]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            Task<string> errors = install.StandardError.ReadToEndAsync(); // both pipes drained at once: neither can fill and stall apt-get
            install.StandardOutput.ReadToEnd();
            install.WaitForExit();
            if (install.ExitCode != 0)
            {
                throw new AssertionException($"installing dnsmasq-base with {script} failed (exit {install.ExitCode}): {errors.Result}");
            }
        }
    }

    private static string? FindUp(string relative)
    {
        for (DirectoryInfo? folder = new(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            string candidate = Path.Combine(folder.FullName, relative);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static readonly Lock InstallLock = new();
    private static bool s_installChecked;

    /// <summary>Stops the running process (if any) and starts one with these records on the same port.</summary>
    public void Restart(int ttl, params string[] records)
    {
        Stop();
        var start = new ProcessStartInfo("dnsmasq")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (string argument in (string[])[
                     "--no-daemon", $"--port={EndPoint.Port}", "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv",
                     "--no-hosts", "--conf-file=/dev/null", "--pid-file", "--log-facility=-", $"--local=/{Zone}/", $"--local-ttl={ttl}", .. records])
        {
            start.ArgumentList.Add(argument);
        }

        var started = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                log.Enqueue(line);
                if (line.Contains("started, version", StringComparison.Ordinal))
                {
                    started.TrySetResult(true); // it logs this after binding its sockets
                }
            }
        };
        process.OutputDataReceived += (_, _) => { };
        process.Exited += (_, _) => started.TrySetResult(false);
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new AssertionException($"dnsmasq is not installed (Debian package dnsmasq-base; .ci/run installs it): {e.Message}");
        }

        _process = process;
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        if (!started.Task.Wait(StartGuard) || !started.Task.Result)
        {
            Stop();
            throw new InvalidOperationException($"dnsmasq did not start on port {EndPoint.Port}: {string.Join(" | ", log)}");
        }
    }

    /// <summary>Kills the server: queries go unanswered.</summary>
    public void Stop()
    {
        if (_process is not { } process)
        {
            return;
        }

        _process = null;
        try
        {
            process.Kill();
        }
        catch (InvalidOperationException)
        {
            // already gone
        }

        process.WaitForExit();
        process.Dispose();
    }

    public void Dispose() => Stop();

    private static int FreeUdpPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
