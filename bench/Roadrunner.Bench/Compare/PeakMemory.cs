using System.Diagnostics;
using System.Globalization;

namespace Roadrunner.Bench.Compare;

/// <summary>
/// The peak resident set of this process. On Linux the peak (VmHWM) can be reset by writing 5 to
/// <c>/proc/self/clear_refs</c>, so each measured pair gets its own peak; elsewhere it is the process-lifetime
/// <see cref="Process.PeakWorkingSet64"/>.
/// </summary>
internal static class PeakMemory
{
    /// <summary>Starts a new peak (a no-op where the OS cannot).</summary>
    public static void Reset()
    {
        try
        {
            if (OperatingSystem.IsLinux())
            {
                File.WriteAllText("/proc/self/clear_refs", "5");
            }
        }
        catch (IOException)
        {
            // Not allowed here: the lifetime peak is reported instead.
        }
        catch (UnauthorizedAccessException)
        {
            // Likewise.
        }
    }

    /// <summary>The peak resident set since the last <see cref="Reset"/>, in bytes.</summary>
    public static long Read()
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                foreach (string line in File.ReadLines("/proc/self/status"))
                {
                    if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    {
                        string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                        return long.Parse(parts[1], CultureInfo.InvariantCulture) * 1024;
                    }
                }
            }
            catch (IOException)
            {
                // Fall back below.
            }
        }

        using var self = Process.GetCurrentProcess();
        return self.PeakWorkingSet64;
    }
}
