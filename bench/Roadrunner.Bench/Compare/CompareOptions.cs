using Roadrunner.Workloads;

namespace Roadrunner.Bench.Compare;

/// <summary>The <c>compare</c> command's arguments.</summary>
internal sealed record CompareOptions
{
    public bool Quick { get; init; }

    public bool Huge { get; init; }

    public bool? Plots { get; init; }

    public string? JsonPath { get; init; }

    public string? ResultsFolder { get; init; }

    public string? SamplesPath { get; init; }

    /// <summary>Where the zero-copy modes and map-floor keep their files (<see cref="Contenders.BenchFolder"/>); null: the default.</summary>
    public string? Folder { get; init; }

    public IReadOnlyList<string> Modes { get; init; } = [];

    public IReadOnlyList<string> Baselines { get; init; } = [];

    /// <summary>The consumers each pair runs with; null: <see cref="DefaultConsumers"/>.</summary>
    public IReadOnlyList<ConsumerWork>? Consumers { get; init; }

    /// <summary>
    /// Both consumers in the quick run (issue 11's targets need the touch and the read-all rows of one run); touch only in
    /// the full run, which would take twice as long (<c>--consumer both</c> adds the read-all rows).
    /// </summary>
    public IReadOnlyList<ConsumerWork> DefaultConsumers => Quick ? [ConsumerWork.Touch, ConsumerWork.ReadAll] : [ConsumerWork.Touch];

    public const string Usage = """
        compare [--quick] [--json FILE] [--samples FILE] [--huge] [--plots|--no-plots] [--results DIR] [--consumer touch|read-all|both] [--folder DIR] [--mode NAME]... [--baseline NAME]...
          --quick       1 KB, 1 MB, 10 MB and fan-out 10 x 10 MB (under 3 minutes on 2 cores)
          --json FILE   write one record per (workload, mode, baseline, size, fan-out)
          --samples FILE  write every timed batch as a line: workload mode contender bytes round seconds µs...
          --huge        add the paper's 500 MB chain (full run only; needs several GB)
          --plots       write PNG charts (default in the full run) into the results folder
          --results DIR where charts and the Markdown table go (default: bench/results of the repository)
          --consumer    what each consumer does with a payload: touch (O(1): length, first and last byte), read-all
                        (reads every byte) or both (default: both with --quick, touch otherwise)
          --folder DIR  where in-process-zero-copy and map-floor keep guest memories and regions (default: the region
                        pool's, /dev/shm/roadrunner-<uid>); a tmpfs mounted huge=always measures huge pages, and then
                        the read-all consumer reads through mapped windows instead of declining them
          --mode, --baseline   run only these (repeatable)
        """;

    public static CompareOptions Parse(IReadOnlyList<string> args)
    {
        var options = new CompareOptions();
        var modes = new List<string>();
        var baselines = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            string Next() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.\n{Usage}");
            options = args[i] switch
            {
                "--quick" => options with { Quick = true },
                "--huge" => options with { Huge = true },
                "--plots" => options with { Plots = true },
                "--no-plots" => options with { Plots = false },
                "--json" => options with { JsonPath = Next() },
                "--results" => options with { ResultsFolder = Next() },
                "--samples" => options with { SamplesPath = Next() },
                "--folder" => options with { Folder = Next() },
                "--consumer" => options with { Consumers = ParseConsumers(Next()) },
                "--mode" => Add(options, modes, Next()),
                "--baseline" => Add(options, baselines, Next()),
                _ => throw new ArgumentException($"Unknown argument '{args[i]}'.\n{Usage}"),
            };
        }

        return options with { Modes = modes, Baselines = baselines };
    }

    private static IReadOnlyList<ConsumerWork> ParseConsumers(string value) =>
        value == "both" ? [ConsumerWork.Touch, ConsumerWork.ReadAll] : [ConsumerWorkNames.Parse(value)];

    private static CompareOptions Add(CompareOptions options, List<string> list, string value)
    {
        list.Add(value);
        return options;
    }
}
