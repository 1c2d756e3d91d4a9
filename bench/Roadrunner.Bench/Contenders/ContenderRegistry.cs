using System.Reflection;

namespace Roadrunner.Bench.Contenders;

/// <summary>
/// Every hose mode (found by reflection: each public <see cref="IHoseMode"/> class with a parameterless constructor in
/// this assembly) and every baseline. BenchmarkDotNet parameters and the <c>compare</c> plan come from here.
/// </summary>
public static class ContenderRegistry
{
    private static readonly Lazy<IReadOnlyList<IHoseMode>> LazyModes = new(DiscoverModes);

    /// <summary>The hose modes, by <see cref="IHoseMode.Order"/>.</summary>
    public static IReadOnlyList<IHoseMode> Modes => LazyModes.Value;

    /// <summary>
    /// Every contender the BenchmarkDotNet suite runs, by key: each mode by its name, each shared baseline by its name,
    /// and each mode-owned baseline as <c>mode:baseline</c>.
    /// </summary>
    public static IReadOnlyDictionary<string, IContenderFactory> ByKey
    {
        get
        {
            var all = new Dictionary<string, IContenderFactory>(StringComparer.Ordinal);
            foreach (IHoseMode mode in Modes)
            {
                all[mode.Name] = mode;
            }

            foreach (IContenderFactory baseline in SharedBaselines.All)
            {
                all[baseline.Name] = baseline;
            }

            foreach (IHoseMode mode in Modes)
            {
                // An own baseline that is itself a mode (today's path next to a zero-copy mode) is already in the list.
                foreach (IContenderFactory own in mode.OwnBaselines.Where(b => b is not IHoseMode))
                {
                    all[$"{mode.Name}:{own.Name}"] = own;
                }
            }

            return all;
        }
    }

    /// <summary>The environment variable that limits the suite to some contenders: keys of <see cref="ByKey"/>, comma-separated.</summary>
    public const string SuiteFilterVariable = "ROADRUNNER_BENCH_CONTENDERS";

    /// <summary>The keys the BenchmarkDotNet suite runs: every key, or those <see cref="SuiteFilterVariable"/> names.</summary>
    public static IEnumerable<string> SuiteKeys
    {
        get
        {
            string[] only = (Environment.GetEnvironmentVariable(SuiteFilterVariable) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return ByKey.Keys.Where(k => only.Length == 0 || only.Contains(k, StringComparer.Ordinal));
        }
    }

    /// <summary>The baselines <paramref name="mode"/> is compared with, resolved (its own first, then the shared ones).</summary>
    /// <param name="mode">The mode.</param>
    /// <returns>The baseline factories, in the order the mode lists them.</returns>
    /// <exception cref="InvalidOperationException">A listed name is neither the mode's own nor shared.</exception>
    public static IReadOnlyList<IContenderFactory> BaselinesOf(IHoseMode mode) =>
    [
        .. mode.Baselines.Select(name =>
            mode.OwnBaselines.FirstOrDefault(b => b.Name == name)
            ?? SharedBaselines.All.FirstOrDefault(b => b.Name == name)
            ?? throw new InvalidOperationException($"Mode '{mode.Name}' lists baseline '{name}', which nobody provides.")),
    ];

    private static IReadOnlyList<IHoseMode> DiscoverModes() =>
    [
        .. typeof(ContenderRegistry).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false, IsPublic: true } && typeof(IHoseMode).IsAssignableFrom(t)
                && t.GetConstructor(BindingFlags.Public | BindingFlags.Instance, Type.EmptyTypes) is not null)
            .Select(t => (IHoseMode)Activator.CreateInstance(t)!)
            .OrderBy(m => m.Order)
            .ThenBy(m => m.Name, StringComparer.Ordinal),
    ];
}
