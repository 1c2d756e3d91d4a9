using Roadrunner.Workloads;

namespace Roadrunner.Demo;

/// <summary>Producer and consumer guests in this process: one memcpy from one guest's memory into the other's.</summary>
internal sealed class InProcessMode(InProcessChain chain) : IDemoMode
{
    public string Name => "in-process";

    public static Task<IDemoMode> StartAsync() => Task.FromResult<IDemoMode>(new InProcessMode(InProcessChain.Start()));

    public ValueTask PrepareAsync(int payloadBytes, int seed)
    {
        chain.Prepare(payloadBytes, seed);
        return ValueTask.CompletedTask;
    }

    public ValueTask TransferAsync(int payloadBytes)
    {
        int status = chain.Transfer(payloadBytes);
        return status == 0 ? ValueTask.CompletedTask : throw new InvalidOperationException($"send failed with status {status}");
    }

    public ValueTask<bool> VerifyAsync(int payloadBytes, ulong checksum) =>
        ValueTask.FromResult(chain.ConsumerLastLength() == payloadBytes && chain.ConsumerChecksum() == checksum);

    public ValueTask DisposeAsync() => chain.DisposeAsync();
}
