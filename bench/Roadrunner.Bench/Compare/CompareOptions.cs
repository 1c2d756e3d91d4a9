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

    public IReadOnlyList<string> Modes { get; init; } = [];

    public IReadOnlyList<string> Baselines { get; init; } = [];

    public const string Usage = """
        compare [--quick] [--json FILE] [--samples FILE] [--huge] [--plots|--no-plots] [--results DIR] [--mode NAME]... [--baseline NAME]...
          --quick       1 KB, 1 MB, 10 MB and fan-out 10 x 10 MB (under 3 minutes on 2 cores)
          --json FILE   write one record per (workload, mode, baseline, size, fan-out)
          --samples FILE  write every timed batch as a line: workload mode contender bytes round seconds µs...
          --huge        add the paper's 500 MB chain (full run only; needs several GB)
          --plots       write PNG charts (default in the full run) into the results folder
          --results DIR where charts and the Markdown table go (default: bench/results of the repository)
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
                "--mode" => Add(options, modes, Next()),
                "--baseline" => Add(options, baselines, Next()),
                _ => throw new ArgumentException($"Unknown argument '{args[i]}'.\n{Usage}"),
            };
        }

        return options with { Modes = modes, Baselines = baselines };
    }

    private static CompareOptions Add(CompareOptions options, List<string> list, string value)
    {
        list.Add(value);
        return options;
    }
}
