using System.Runtime.InteropServices;

namespace Roadrunner.Bench.Compare;

/// <summary>A one-line description of the machine, for tables and docs.</summary>
internal static class Machine
{
    public static string Describe()
    {
        string cpu = "unknown CPU";
        string memory = "";
        try
        {
            if (File.Exists("/proc/cpuinfo"))
            {
                cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
            }

            if (File.Exists("/proc/meminfo"))
            {
                string? total = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
                if (total is not null && long.TryParse(total.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], out long kb))
                {
                    memory = $", {kb / 1024.0 / 1024.0:0} GB RAM";
                }
            }
        }
        catch (IOException)
        {
            // Best effort.
        }

        return $"{Environment.ProcessorCount} cores ({cpu}){memory}, {RuntimeInformation.OSDescription}, .NET {Environment.Version}";
    }
}
