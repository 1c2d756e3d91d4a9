using System.Globalization;

namespace Roadrunner.Hoses.SharedMemory;

/// <summary>
/// A process as its peers see it: pid and kernel start time (clock ticks since boot), so a recycled pid is not taken
/// for the same process. A zombie (killed, not yet reaped) counts as dead.
/// </summary>
internal readonly record struct PeerIdentity(int ProcessId, long StartTime)
{
    /// <summary>This process.</summary>
    public static PeerIdentity Current { get; } = new(Environment.ProcessId, ReadStartTime(Environment.ProcessId) ?? 0);

    /// <summary>True while the process runs (its pid exists, is not a zombie and started at <see cref="StartTime"/>).</summary>
    public bool IsAlive()
    {
        if (ProcessId <= 0)
        {
            return false;
        }

        if (!OperatingSystem.IsLinux())
        {
            try
            {
                using var process = System.Diagnostics.Process.GetProcessById(ProcessId);
                return !process.HasExited;
            }
            catch (ArgumentException)
            {
                return false;
            }
        }

        long? start = ReadStartTime(ProcessId);
        return start is not null && (StartTime == 0 || start == StartTime);
    }

    /// <summary>Field 22 of <c>/proc/&lt;pid&gt;/stat</c>, or null when the process is gone or a zombie.</summary>
    private static long? ReadStartTime(int pid)
    {
        if (!OperatingSystem.IsLinux())
        {
            return 0;
        }

        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        // "pid (comm) state ppid ..." — comm may hold spaces and parentheses: split after the last ')'.
        int close = text.LastIndexOf(')');
        if (close < 0)
        {
            return null;
        }

        string[] fields = text[(close + 2)..].Split(' ');
        if (fields.Length < 20 || fields[0] is "Z" or "X" or "x")
        {
            return null;
        }

        // fields[0] is field 3 (state), so field 22 (starttime) is fields[19].
        return long.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out long start) ? start : null;
    }
}
