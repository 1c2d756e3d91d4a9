using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using Roadrunner.Hosting;
using Roadrunner.Hoses.SharedMemory;

namespace Roadrunner.Peer;

/// <summary>
/// <c>shm --dir FOLDER [--guest NAME=PATH.wasm]... [--inbox NAME[:CAPACITY]]... [--latency NAME] [--slots N] [--inflight BYTES] [--spin-us MICROSECONDS] [--host-budget BYTES] [--local-dir FOLDER] [--uds-latency PATH:BYTES] [--trace on] [--memory-files MAPPING_THRESHOLD] [--memory-in-files on]</c>:
/// hosts the guests (and unread .NET inboxes, for backpressure) and serves them over shared memory (<c>--local-dir</c>:
/// the host's own regions, where streamed payloads are reassembled, live there instead of in the rendezvous folder). Commands, one line
/// each, one line answered:
/// <c>checksum FN</c>, <c>count FN</c>, <c>last_length FN</c> (the consumer guest's exports), <c>call FN EXPORT ARG</c> (an export taking an i32, returning an i32 or nothing),
/// <c>call FN EXPORT</c> (an export returning an i32), <c>call64 FN EXPORT</c> (an export returning an i64),
/// <c>ack FN 0|1</c> (consumer's <c>set_ack</c>, acks go to "ack"), <c>read_all FN 0|1</c> (consumer's <c>set_read_all</c>),
/// <c>send TARGET LENGTH SEED COUNT</c> (send COUNT pattern payloads, payload i filled with seed SEED+i, wait for room),
/// <c>send_background TARGET LENGTH SEED COUNT</c> (the same without waiting for the answer: replies "started"),
/// <c>drain INBOX N SEED</c> (takes N payloads from an inbox; "ok" when payload i is the pattern of SEED+i, else "bad i"),
/// <c>collect INBOX STOP</c> (takes payloads until the one of seed STOP: "ok" and the seeds before it, in order, else "bad SEED"),
/// <c>collect_background INBOX STOP</c> (the same without waiting: replies "started"), <c>collected INBOX</c> (waits for its answer),
/// <c>latency N</c> (one-way latency of the first N timestamped payloads the <c>--latency NAME</c> handler got: "median p99 min p10" µs),
/// <c>uds_latency N</c> (the same for the messages of the <c>--uds-latency</c> UNIX socket, the baseline),
/// <c>trace NAME</c> (with <c>--trace on</c>: the last delivery span of NAME, see <see cref="TraceRecorder"/>),
/// <c>faults</c>, <c>pid</c>, <c>exit</c>. <c>--spin-us</c> sets how long receivers spin before sleeping on the futex.
/// </summary>
internal static class SharedMemoryCommand
{
    private static readonly LatencyRecorder s_latencies = new();
    private static readonly Dictionary<string, Task<string>> s_collecting = new(StringComparer.Ordinal);
    private static UnixSocketLatencySink? s_unixSocketLatency;
    private static TraceRecorder? s_traces;

    public static async Task<int> RunAsync(string[] args)
    {
        var options = new SharedMemoryOptions();
        var guests = new List<(string Name, string Path)>();
        var inboxes = new List<(string Name, int Capacity)>();
        string? latencyName = null;
        long? hostBudget = null;
        string? localDirectory = null;
        long? mappingThreshold = null;
        bool memoryInFiles = false;
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            string value = args[i + 1];
            switch (args[i])
            {
                case "--dir":
                    options.FolderPath = value;
                    break;
                case "--guest":
                    guests.Add((value[..value.IndexOf('=', StringComparison.Ordinal)], value[(value.IndexOf('=', StringComparison.Ordinal) + 1)..]));
                    break;
                case "--inbox":
                    string[] parts = value.Split(':');
                    inboxes.Add((parts[0], parts.Length > 1 ? int.Parse(parts[1], CultureInfo.InvariantCulture) : 1024));
                    break;
                case "--slots":
                    options.RingSlots = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "--inflight":
                    options.MaxBytesInFlight = long.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "--latency":
                    latencyName = value;
                    break;
                case "--uds-latency":
                    string[] socket = value.Split(':');
                    s_unixSocketLatency = new UnixSocketLatencySink(socket[0], int.Parse(socket[1], CultureInfo.InvariantCulture));
                    break;
                case "--memory-in-files":
                    memoryInFiles = value == "on";
                    break;
                case "--local-dir":
                    localDirectory = value;
                    break;
                case "--host-budget":
                    hostBudget = long.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "--trace":
                    s_traces = value == "on" ? new TraceRecorder() : null;
                    break;
                case "--memory-files":
                    mappingThreshold = long.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "--spin-us":
                    options.SpinTime = TimeSpan.FromMicroseconds(double.Parse(value, CultureInfo.InvariantCulture));
                    break;
                default:
                    Console.Error.WriteLine($"unknown option {args[i]}");
                    return 2;
            }
        }

        var hostOptions = new FunctionHostOptions { Regions = { FolderPath = localDirectory ?? options.FolderPath }, GuestMemoryInFiles = memoryInFiles };
        hostOptions.Regions.MaxLeasedBytes = hostBudget ?? hostOptions.Regions.MaxLeasedBytes;
        if (mappingThreshold is { } threshold)
        {
            // Guest memories in files, payloads from this size mapped into receivers that export rr_alloc_window.
            hostOptions.GuestMemoryInFiles = true;
            hostOptions.Guest.MappingThreshold = threshold;
        }

        var problems = new ProblemCounter();
        await using var host = new FunctionHost(hostOptions, loggerFactory: problems);
        foreach ((string name, string path) in guests)
        {
            host.LoadFile(name, path);
        }

        await using SharedMemoryEndpoint endpoint = host.StartSharedMemoryEndpoint(options);
        var created = inboxes.ToDictionary(x => x.Name, x => endpoint.CreateInbox(x.Name, new Roadrunner.Hoses.HoseOptions { MaxQueuedPayloads = x.Capacity }), StringComparer.Ordinal);
        if (latencyName is not null)
        {
            // A .NET push receiver: runs on the receive thread, reads the sender's timestamp in place.
            endpoint.Serve(latencyName, payload => s_latencies.Record(payload));
        }

        Console.WriteLine("ready");
        while (await Console.In.ReadLineAsync() is { } line && line != "exit")
        {
            string answer;
            try
            {
                answer = Answer(line.Split(' ', StringSplitOptions.RemoveEmptyEntries), host, endpoint, created, problems);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                answer = "error " + e.GetType().Name + ": " + e.Message.ReplaceLineEndings(" ");
            }

            Console.WriteLine(answer);
        }

        s_unixSocketLatency?.Dispose();
        return 0;
    }

    /// <summary>Calls an export taking one i32 and returning an i32 (its result) or nothing (0).</summary>
    private static int Call(Wasmtime.Instance instance, string export, int argument)
    {
        if (instance.GetFunction<int, int>(export) is { } function)
        {
            return function(argument);
        }

        instance.GetAction<int>(export)!(argument);
        return 0;
    }

    private static string Answer(string[] words, FunctionHost host, SharedMemoryEndpoint endpoint, Dictionary<string, IDataHose> inboxes, ProblemCounter problems)
    {
        string Fmt(long v) => v.ToString(CultureInfo.InvariantCulture);
        switch (words)
        {
            case ["checksum", string fn]:
                return ((ulong)host[fn].Run(i => i.GetFunction<long>("checksum")!())).ToString(CultureInfo.InvariantCulture);
            case ["call", string fn, string export, string argument]:
                return Fmt(host[fn].Run(i => Call(i, export, int.Parse(argument, CultureInfo.InvariantCulture))));
            case ["count", string fn]:
                return Fmt(host[fn].Run(i => i.GetFunction<int>("message_count")!()));
            case ["last_length", string fn]:
                return Fmt(host[fn].Run(i => i.GetFunction<int>("last_length")!()));
            case ["call64", string fn, string export]:
                return Fmt(host[fn].Run(i => i.GetFunction<long>(export)!()));
            case ["call", string fn, string export]:
                return Fmt(host[fn].Run(i => i.GetFunction<int>(export)!()));
            case ["read_all", string fn, string on]:
                return Fmt(host[fn].Run(i => i.GetFunction<int, int>("set_read_all")!(int.Parse(on, CultureInfo.InvariantCulture))));
            case ["ack", string fn, string on]:
                return Fmt(host[fn].Run(i => i.GetFunction<int, int>("set_ack")!(int.Parse(on, CultureInfo.InvariantCulture))));
            case ["send", string target, string length, string seed, string count]:
                return Send(endpoint, target, int.Parse(length, CultureInfo.InvariantCulture), int.Parse(seed, CultureInfo.InvariantCulture), int.Parse(count, CultureInfo.InvariantCulture));
            case ["send_background", string target, string length, string seed, string count]:
                _ = Task.Run(() => Send(endpoint, target, int.Parse(length, CultureInfo.InvariantCulture), int.Parse(seed, CultureInfo.InvariantCulture), int.Parse(count, CultureInfo.InvariantCulture)));
                return "started";
            case ["drain", string inbox, string count, string seed]:
                return Drain(inboxes[inbox], int.Parse(count, CultureInfo.InvariantCulture), int.Parse(seed, CultureInfo.InvariantCulture));
            case ["collect", string inbox, string stop]:
                return Collect(inboxes[inbox], int.Parse(stop, CultureInfo.InvariantCulture));
            case ["collect_background", string inbox, string stop]:
                IDataHose source = inboxes[inbox];
                s_collecting[inbox] = Task.Run(() => Collect(source, int.Parse(stop, CultureInfo.InvariantCulture)));
                return "started";
            case ["collected", string inbox]:
                return s_collecting.Remove(inbox, out Task<string>? collecting) ? collecting.GetAwaiter().GetResult() : "error not collecting";
            case ["latency", string count]:
                return s_latencies.Report(int.Parse(count, CultureInfo.InvariantCulture));
            case ["uds_latency", string count]:
                return s_unixSocketLatency?.Latencies.Report(int.Parse(count, CultureInfo.InvariantCulture)) ?? "error no --uds-latency";
            case ["trace", string name]:
                return s_traces?.Last(name) ?? "error no --trace on";
            case ["faults"]:
                return Fmt(problems.Count); // log entries at Warning or above
            case ["pid"]:
                return Fmt(Environment.ProcessId);
            default:
                return "error unknown command";
        }
    }

    private static string Send(SharedMemoryEndpoint endpoint, string target, int length, int seed, int count)
    {
        if (!endpoint.TryResolve(target, out IHoseSender? sender))
        {
            return "error unknown target";
        }

        byte[] buffer = GC.AllocateUninitializedArray<byte>(length);
        for (int i = 0; i < count; i++)
        {
            Pattern.Fill(buffer, seed + i);
            HoseStatus status = sender.Send(buffer, TimeSpan.FromSeconds(30));
            if (status != HoseStatus.Ok)
            {
                return $"error {status} at {i}";
            }
        }

        return "ok";
    }

    private static string Drain(IDataHose inbox, int count, int seed)
    {
        for (int i = 0; i < count; i++)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            using HoseLease lease = inbox.ReceiveAsync(timeout.Token).AsTask().GetAwaiter().GetResult();
            byte[] expected = new byte[lease.Length];
            Pattern.Fill(expected, seed + i);
            if (!lease.Payload.ToArray().AsSpan().SequenceEqual(expected))
            {
                return $"bad {i}";
            }
        }

        return "ok";
    }

    private static string Collect(IDataHose inbox, int stop)
    {
        var seeds = new List<int>();
        while (true)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            using HoseLease lease = inbox.ReceiveAsync(timeout.Token).AsTask().GetAwaiter().GetResult();
            byte[] bytes = lease.Payload.ToArray();
            int seed = bytes.Length >= 4 ? BitConverter.ToInt32(bytes, 0) : -1;
            byte[] expected = new byte[bytes.Length];
            Pattern.Fill(expected, seed);
            if (!bytes.AsSpan().SequenceEqual(expected))
            {
                return $"bad {seed}";
            }

            if (seed == stop)
            {
                return "ok" + string.Concat(seeds.Select(s => " " + s.ToString(CultureInfo.InvariantCulture)));
            }

            seeds.Add(seed);
        }
    }
}

/// <summary>
/// Test payloads: the first four bytes carry the seed (so a receiver can check order), the rest a xorshift pattern.
/// Public so the tests fill and check payloads exactly as the peer does.
/// </summary>
public static class Pattern
{
    /// <summary>Fills <paramref name="destination"/> with the pattern of <paramref name="seed"/>.</summary>
    /// <param name="destination">The payload.</param>
    /// <param name="seed">The seed (also written into the first four bytes).</param>
    public static void Fill(Span<byte> destination, int seed)
    {
        uint state = (uint)seed | 1u;
        Span<uint> words = MemoryMarshal.Cast<byte, uint>(destination);
        for (int i = 0; i < words.Length; i++)
        {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            words[i] = state;
        }

        for (int i = words.Length * 4; i < destination.Length; i++)
        {
            destination[i] = (byte)(i * 31);
        }

        Span<byte> header = stackalloc byte[4];
        BitConverter.TryWriteBytes(header, seed);
        header[..Math.Min(4, destination.Length)].CopyTo(destination);
    }
}
