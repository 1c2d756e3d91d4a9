using System.Globalization;
using Roadrunner.Hoses;
using Roadrunner.Regions;

namespace Roadrunner.Peer;

/// <summary>
/// <c>leave --dir FOLDER</c>: a pool whose payloads stay referenced, to check what a process leaves in the region
/// folder when it ends. Commands, one line each, one line answered: <c>queue LENGTH</c> (a payload queued in a hose
/// nobody drains), <c>hold LENGTH</c> (a payload received and its lease held), <c>dispose</c> (disposes the pool while
/// both are still referenced), <c>pid</c>. <c>exit</c> (or stdin closing) ends the process without disposing anything.
/// </summary>
internal static class LeaveFilesCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args is not ["--dir", string folder])
        {
            Console.Error.WriteLine("usage: leave --dir FOLDER");
            return 2;
        }

        var pool = new RegionPool(new RegionPoolOptions { FolderPath = folder });
        IDataHose queue = DataHose.CreateInProcess("queue", pool);
        IDataHose held = DataHose.CreateInProcess("held", pool);
        var leases = new List<HoseLease>(); // referenced to the end on purpose
        Console.WriteLine("ready");
        while (await Console.In.ReadLineAsync() is { } line && line != "exit")
        {
            switch (line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                case ["queue", string length]:
                    Console.WriteLine(queue.Send(new byte[int.Parse(length, CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(5)) == HoseStatus.Ok ? "ok" : "error send");
                    break;
                case ["hold", string length]:
                    HoseStatus status = held.Send(new byte[int.Parse(length, CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(5));
                    leases.Add(await held.ReceiveAsync());
                    Console.WriteLine(status == HoseStatus.Ok ? "ok" : "error send");
                    break;
                case ["dispose"]:
                    pool.Dispose();
                    Console.WriteLine("ok");
                    break;
                case ["pid"]:
                    Console.WriteLine(Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
                    break;
                default:
                    Console.WriteLine("error unknown command");
                    break;
            }
        }

        GC.KeepAlive(leases);
        return 0;
    }
}
