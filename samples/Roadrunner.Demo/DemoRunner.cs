using System.Diagnostics;
using Roadrunner.Workloads;
using Spectre.Console;

namespace Roadrunner.Demo;

/// <summary>
/// Runs every mode at every payload size of the plan and shows progress: live bars on a terminal, one plain line per
/// finished step when output is redirected (Spectre.Console draws no live display then).
/// </summary>
internal static class DemoRunner
{
    /// <summary>Starts showing one step; returns how to advance it (0..iterations) and how to finish it.</summary>
    private delegate (Action<double> Advance, Action<DemoResult> Done) StepStarter(string mode, DemoStep step);

    public static async Task<List<DemoResult>> RunAsync(DemoPlan plan, HttpJsonBaseline http)
    {
        var results = new List<DemoResult>();
        if (AnsiConsole.Profile.Capabilities.Interactive && !Console.IsOutputRedirected)
        {
            await AnsiConsole.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .StartAsync(progress => RunStepsAsync(plan, http, results, (mode, step) =>
                {
                    ProgressTask task = progress.AddTask($"{mode,-23} {DemoResult.Size(step.PayloadBytes),7}", maxValue: MaxValue(step));
                    return (n => task.Increment(n), _ => task.Value(task.MaxValue).StopTask());
                }));
        }
        else
        {
            int total = DemoModes.All.Count * plan.Steps.Count;
            await RunStepsAsync(plan, http, results, (mode, step) =>
            {
                var clock = Stopwatch.StartNew();
                return (_ => { }, r => Console.WriteLine(
                    $"[{results.Count + 1,2}/{total}] {mode,-23} {DemoResult.Size(step.PayloadBytes),7}  {clock.Elapsed.TotalSeconds,5:0.0} s  " +
                    $"{r.HoseVerified} + {r.BaselineVerified} transfers verified"));
            });
        }

        return results;
    }

    // Steps per task: the timed iterations plus the warm-up batch (see LatencySampler), counted in hose + HTTP pairs.
    private static double MaxValue(DemoStep step) => step.Iterations + Math.Min(10, (step.Iterations + 2) / 3);

    private static async Task RunStepsAsync(DemoPlan plan, HttpJsonBaseline http, List<DemoResult> results, StepStarter start)
    {
        foreach (Func<Task<IPayloadContender>> startMode in DemoModes.All)
        {
            await using IPayloadContender mode = await startMode();
            foreach (DemoStep step in plan.Steps)
            {
                (Action<double> advance, Action<DemoResult> done) = start(mode.Name, step);
                DemoResult result = await ModeVersusHttp.RunAsync(mode, http, step, advance);
                done(result);
                results.Add(result);
            }
        }
    }
}
