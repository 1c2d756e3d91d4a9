using Microsoft.Extensions.Logging;
using Wasmtime;

namespace Roadrunner.Hosting;

/// <summary>Builds one guest's WASI configuration from its <see cref="WasiOptions"/>.</summary>
internal static class WasiSetup
{
    /// <summary>The configuration, and what to call when the function goes (logs an unfinished last line).</summary>
    public static WasiConfiguration Build(string function, WasiOptions? options, bool inheritOutput, ILogger guestLogger, out Action complete)
    {
        var wasi = new WasiConfiguration();
        GuestOutput stdout = options?.StandardOutput ?? (inheritOutput ? GuestOutput.Inherit : GuestOutput.Log);
        GuestOutput stderr = options?.StandardError ?? (inheritOutput ? GuestOutput.Inherit : GuestOutput.Log);
        if (options is not null)
        {
            wasi.WithEnvironmentVariables(options.Environment.Select(e => (e.Key, e.Value)));
            wasi.WithArgs(options.Arguments);
            foreach (WasiPreopenedDirectory folder in options.PreopenedDirectories)
            {
                if (!Directory.Exists(folder.HostPath))
                {
                    throw new DirectoryNotFoundException($"Function '{function}': the folder '{folder.HostPath}' to preopen as '{folder.GuestPath}' does not exist.");
                }

                wasi.WithPreopenedDirectory(folder.HostPath, folder.GuestPath, mutable: !folder.ReadOnly);
            }
        }

        GuestOutputLog? outLog = stdout == GuestOutput.Log ? new GuestOutputLog(guestLogger, function, "stdout", LogLevel.Information) : null;
        GuestOutputLog? errLog = stderr == GuestOutput.Log ? new GuestOutputLog(guestLogger, function, "stderr", LogLevel.Warning) : null;
        if (outLog is not null)
        {
            wasi.WithStandardOutputCallback(outLog.Write);
        }
        else if (stdout == GuestOutput.Inherit)
        {
            wasi.WithInheritedStandardOutput();
        }

        if (errLog is not null)
        {
            wasi.WithStandardErrorCallback(errLog.Write);
        }
        else if (stderr == GuestOutput.Inherit)
        {
            wasi.WithInheritedStandardError();
        }

        complete = () =>
        {
            outLog?.Complete();
            errLog?.Complete();
        };
        return wasi;
    }
}
