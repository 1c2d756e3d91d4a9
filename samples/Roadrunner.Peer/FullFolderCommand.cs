using System.Diagnostics.Metrics;
using System.Globalization;
using Roadrunner.Hosting;
using Roadrunner.Hoses;
using Roadrunner.Regions;

namespace Roadrunner.Peer;

/// <summary>
/// <c>full --dir FOLDER</c>: uses a region folder on a file system that may be full (a small tmpfs), in a process of
/// its own so that a SIGBUS kills this child, not the test run. Commands, one line each, one line answered:
/// <c>send LENGTH SEED</c> (a .NET send into an in-process hose with a pull receiver: "ok" once received intact,
/// else "status STATUS"), <c>send_async LENGTH SEED</c> (the same through <c>SendAsync</c>: "ok" or "status STATUS MESSAGE"),
/// <c>grow PAGES</c> (a guest whose memory lives in a file grows by PAGES and touches every new page: the result of
/// <c>memory.grow</c>), <c>instantiate PAGES</c> (loads a guest with a memory of PAGES pages in a file: "ok" or
/// "error MESSAGE"), <c>full_count</c> (the <c>roadrunner.regions.folder_full</c> count so far), <c>pid</c>, <c>exit</c>.
/// </summary>
internal static class FullFolderCommand
{
    private const string GrowingGuest = """
        (module
          (memory (export "memory") 1)
          (func (export "grow") (param $pages i32) (result i32)
            (local $old i32) (local $at i32) (local $end i32)
            (local.set $old (memory.grow (local.get $pages)))
            (if (i32.ne (local.get $old) (i32.const -1))
              (then
                (local.set $at (i32.mul (local.get $old) (i32.const 65536)))
                (local.set $end (i32.mul (memory.size) (i32.const 65536)))
                (block $done
                  (loop $touch
                    (br_if $done (i32.ge_u (local.get $at) (local.get $end)))
                    (i32.store8 (local.get $at) (i32.const 7))
                    (local.set $at (i32.add (local.get $at) (i32.const 4096)))
                    (br $touch)))))
            (local.get $old)))
        """;

    private static long s_folderFull;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args is not ["--dir", string folder])
        {
            Console.Error.WriteLine("usage: full --dir FOLDER");
            return 2;
        }

        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == Diagnostics.RoadrunnerMetrics.MeterName && instrument.Name == "roadrunner.regions.folder_full")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref s_folderFull, value));
        listener.Start();

        using var pool = new RegionPool(new RegionPoolOptions { FolderPath = folder });
        await using IDataHose hose = DataHose.CreateInProcess("full", pool);
        await using var host = new FunctionHost(new FunctionHostOptions { GuestMemoryInFiles = true, Regions = { FolderPath = folder } });
        WasmFunction grower = host.LoadText("grower", GrowingGuest);
        Console.WriteLine("ready");
        while (await Console.In.ReadLineAsync() is { } line && line != "exit")
        {
            string answer;
            try
            {
                answer = await AnswerAsync(line.Split(' ', StringSplitOptions.RemoveEmptyEntries), hose, host, grower);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                answer = "error " + e.GetType().Name + ": " + e.Message.ReplaceLineEndings(" ");
            }

            Console.WriteLine(answer);
        }

        return 0;
    }

    private static async Task<string> AnswerAsync(string[] words, IDataHose hose, FunctionHost host, WasmFunction grower)
    {
        switch (words)
        {
            case ["send", string length, string seed]:
            {
                byte[] payload = Payload(length, seed);
                HoseStatus status = hose.Send(payload, TimeSpan.FromSeconds(5));
                return status == HoseStatus.Ok ? await ReceiveAsync(hose, payload) : $"status {status}";
            }

            case ["send_async", string length, string seed]:
            {
                byte[] payload = Payload(length, seed);
                try
                {
                    await hose.SendAsync(payload);
                }
                catch (HoseException e)
                {
                    return $"status {e.Status} {e.Message}";
                }

                return await ReceiveAsync(hose, payload);
            }

            case ["grow", string pages]:
                return grower.Run(i => i.GetFunction<int, int>("grow")!(int.Parse(pages, CultureInfo.InvariantCulture))).ToString(CultureInfo.InvariantCulture);
            case ["instantiate", string pages]:
                host.LoadText("big" + Guid.NewGuid().ToString("N"), $"(module (memory (export \"memory\") {int.Parse(pages, CultureInfo.InvariantCulture)}))");
                return "ok";
            case ["full_count"]:
                return Interlocked.Read(ref s_folderFull).ToString(CultureInfo.InvariantCulture);
            case ["pid"]:
                return Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
            default:
                return "error unknown command";
        }
    }

    private static byte[] Payload(string length, string seed)
    {
        byte[] payload = new byte[int.Parse(length, CultureInfo.InvariantCulture)];
        Pattern.Fill(payload, int.Parse(seed, CultureInfo.InvariantCulture));
        return payload;
    }

    private static async Task<string> ReceiveAsync(IDataHose hose, byte[] expected)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using HoseLease lease = await hose.ReceiveAsync(timeout.Token);
        return System.Buffers.BuffersExtensions.ToArray(lease.Payload).AsSpan().SequenceEqual(expected) ? "ok" : "bad payload";
    }
}
