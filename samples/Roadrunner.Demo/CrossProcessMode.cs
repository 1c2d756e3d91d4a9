using Roadrunner.Workloads;

namespace Roadrunner.Demo;

/// <summary>
/// Producer guest here, consumer guest in a child process: one copy into a shared region, one out into the consumer,
/// a descriptor and a futex wake-up between them; timed until the consumer's ack is back.
/// </summary>
internal sealed class CrossProcessMode(CrossProcessChain chain) : IDemoMode
{
    public string Name => "cross-process";

    public static async Task<IDemoMode> StartAsync() => new CrossProcessMode(await CrossProcessChain.StartAsync());

    public ValueTask PrepareAsync(int payloadBytes, int seed)
    {
        chain.Prepare(payloadBytes, seed);
        return ValueTask.CompletedTask;
    }

    public async ValueTask TransferAsync(int payloadBytes)
    {
        int acknowledged = await chain.TransferAsync(payloadBytes);
        if (acknowledged != payloadBytes)
        {
            throw new InvalidOperationException($"The consumer acknowledged {acknowledged} bytes, not {payloadBytes}");
        }
    }

    public async ValueTask<bool> VerifyAsync(int payloadBytes, ulong checksum) =>
        await chain.ConsumerLastLengthAsync() == payloadBytes && await chain.ConsumerChecksumAsync() == checksum;

    public ValueTask DisposeAsync() => chain.DisposeAsync();
}
