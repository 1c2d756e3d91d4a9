using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Running;
using Roadrunner.Bench.Benchmarks;
using Roadrunner.Bench.Compare;

// dotnet run -c Release --project bench/Roadrunner.Bench -- compare [--quick] [--json FILE]   (interleaved side-by-side)
// dotnet run -c Release --project bench/Roadrunner.Bench -- --filter '*'                     (BenchmarkDotNet suite)
if (args.Length > 0 && args[0] == "compare")
{
    return await CompareCommand.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] is "--help" or "-h" or "help")
{
    Console.WriteLine("Roadrunner benchmarks");
    Console.WriteLine("  -- compare ...            interleaved hose vs baseline medians, Markdown table, JSON, charts");
    Console.WriteLine(CompareOptions.Usage);
    Console.WriteLine("  -- --filter '*'           the BenchmarkDotNet suite (chain + fan-out; add --anyCategories huge for 500 MB)");
    Console.WriteLine("  -- --list flat            list the benchmarks");
    return 0;
}

// The 500 MB chain has its own category and runs only when asked for by category.
IConfig config = DefaultConfig.Instance;
bool askedForHuge = args.Any(a => a.Contains(Chain500MBBenchmarks.Category, StringComparison.OrdinalIgnoreCase));
if (!askedForHuge)
{
    config = config.AddFilter(new SimpleFilter(b => !b.Descriptor.Categories.Contains(Chain500MBBenchmarks.Category)));
}

BenchmarkSwitcher.FromAssembly(typeof(ChainBenchmarks).Assembly).Run(args, config);
return 0;
