using Roadrunner.Hosting;

namespace Roadrunner.Tests.Support;

/// <summary>
/// Keeps a function busy: a <see cref="WasmFunction.Run{T}"/> on another thread holds its gate (without running any
/// guest code) until disposed, so payloads sent to it meanwhile must queue.
/// </summary>
internal sealed class GateHolder : IAsyncDisposable
{
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task<int> _run;

    private GateHolder(WasmFunction function, TaskCompletionSource entered, TimeSpan limit)
    {
        _run = Task.Run(() => function.Run(_ =>
        {
            entered.SetResult();
            return _release.Task.Wait(limit) ? 0 : -1;
        }));
    }

    /// <summary>Returns once the gate is held.</summary>
    public static async Task<GateHolder> HoldAsync(WasmFunction function, TimeSpan limit)
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holder = new GateHolder(function, entered, limit);
        await entered.Task.WaitAsync(limit);
        return holder;
    }

    /// <summary>Lets the function go and waits until the holding call has left it.</summary>
    public async ValueTask DisposeAsync()
    {
        _release.TrySetResult();
        int outcome = await _run.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.That(outcome, Is.Zero, "the gate was held until the deadline");
    }
}
