using System.Globalization;
using System.Net;
using Roadrunner.Hosting;
using Roadrunner.Hoses.Network;

namespace Roadrunner.Peer;

/// <summary>
/// <c>network --module consumer.wasm --key-file KEY [--ack PORT] [--checksums] [--regions FOLDER] [--zero-copy]
/// [--mapped-receive]</c>: hosts the consumer guest as
/// "consumer" (plus the test target "stall") and serves them over the network hose on an ephemeral 127.0.0.1 port,
/// authenticated with the key in KEY (a file, so the key never appears in a command line). With --ack, the name "ack"
/// resolves to the parent's endpoint on that port; --regions puts the host's regions (where messages are read into)
/// in FOLDER; --zero-copy keeps guest memories in files (so a consumer exporting <c>rr_alloc_window</c> can take payloads
/// mapped) and --mapped-receive reads every message from the mapping threshold on into regions first and maps it into
/// the consumer (<c>NetworkOptions.MappedReceiveThresholdBytes</c>) instead of reading the socket straight into its memory. Also
/// runs the plain socket pump used as the throughput baseline.
/// Commands: <c>port</c>, <c>pump-port</c>, <c>checksum</c> (consumer's checksum and last length), <c>count</c>,
/// <c>set-ack N</c>, <c>set-read-all N</c>, <c>call EXPORT [N]</c> (a consumer export returning an i32),
/// <c>call64 EXPORT</c> (one returning an i64), <c>pump-checksum</c>, <c>stalled</c>, <c>release N</c>, <c>exit</c>.
/// </summary>
internal static class NetworkCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        string module = Argument(args, "--module") ?? throw new ArgumentException("--module is required");
        byte[] key = await File.ReadAllBytesAsync(Argument(args, "--key-file") ?? throw new ArgumentException("--key-file is required"));
        var resolver = new StaticResolver();
        if (Argument(args, "--ack") is { } ackPort)
        {
            resolver.Add("ack", new IPEndPoint(IPAddress.Loopback, int.Parse(ackPort, CultureInfo.InvariantCulture)));
        }

        var stall = new StallSink();
        var hostOptions = new FunctionHostOptions { GuestMemoryInFiles = args.Contains("--zero-copy") };
        hostOptions.Regions.FolderPath = Argument(args, "--regions");
        await using var host = new FunctionHost(hostOptions);
        WasmFunction consumer = host.LoadFile("consumer", module);
        host.AddDirectory(new SingleNameDirectory(stall));
        var options = new NetworkOptions
        {
            PreSharedKey = key,
            Resolver = resolver,
            Checksums = args.Contains("--checksums"),
            DeliveryTimeout = TimeSpan.FromSeconds(60),
            MappedReceiveThresholdBytes = args.Contains("--mapped-receive") ? hostOptions.Guest.MappingThreshold : long.MaxValue, // below it the consumer would not map
        };
        await using NetworkEndpoint endpoint = host.StartNetworkEndpoint(options);
        using var pump = new PumpServer();

        Console.WriteLine("ready");
        while (await Console.In.ReadLineAsync() is { } line && line != "exit")
        {
            string[] words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            string answer = words.FirstOrDefault() switch
            {
                "port" => endpoint.LocalEndPoint.Port.ToString(CultureInfo.InvariantCulture),
                "pump-port" => pump.Port.ToString(CultureInfo.InvariantCulture),
                "checksum" => consumer.Run(i => $"{(ulong)i.GetFunction<long>("checksum")!()} {i.GetFunction<int>("last_length")!()}"),
                "count" => consumer.Run(i => i.GetFunction<int>("message_count")!()).ToString(CultureInfo.InvariantCulture),
                "set-read-all" => consumer.Run(i => i.GetFunction<int, int>("set_read_all")!(int.Parse(words[1], CultureInfo.InvariantCulture))).ToString(CultureInfo.InvariantCulture),
                "set-ack" => consumer.Run(i => i.GetFunction<int, int>("set_ack")!(int.Parse(words[1], CultureInfo.InvariantCulture))).ToString(CultureInfo.InvariantCulture),
                "call" => consumer.Run(i => words.Length > 2
                    ? i.GetFunction<int, int>(words[1])!(int.Parse(words[2], CultureInfo.InvariantCulture))
                    : i.GetFunction<int>(words[1])!()).ToString(CultureInfo.InvariantCulture),
                "call64" => consumer.Run(i => i.GetFunction<long>(words[1])!()).ToString(CultureInfo.InvariantCulture),
                "pump-checksum" => pump.Describe(),
                "stalled" => stall.Held.ToString(CultureInfo.InvariantCulture),
                "release" => Release(stall, words),
                _ => $"error: unknown command '{line}'",
            };
            Console.WriteLine(answer);
        }

        return 0;
    }

    private static string Release(StallSink stall, string[] words)
    {
        stall.Release(int.Parse(words[1], CultureInfo.InvariantCulture));
        return "ok";
    }

    private static string? Argument(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private sealed class SingleNameDirectory(IHoseSender sender) : IHoseDirectory
    {
        public bool TryResolve(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IHoseSender? found)
        {
            found = name == sender.Name ? sender : null;
            return found is not null;
        }
    }
}
