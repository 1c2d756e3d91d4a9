using Roadrunner.Workloads;

namespace Roadrunner.Demo;

/// <summary>
/// Reference row for the network mode: the same bytes between the same two processes through a plain TCP socket (a length,
/// the bytes from a .NET array into a .NET array, a one-byte answer) — no guests, framing, authentication or acks.
/// </summary>
internal sealed class SocketPumpMode(NetworkChain chain) : IDemoMode
{
    public string Name => "tcp pump (ref)";

    public static async Task<IDemoMode> StartAsync() => new SocketPumpMode(await NetworkMode.SharedChainAsync());

    public ValueTask PrepareAsync(int payloadBytes, int seed)
    {
        chain.Prepare(payloadBytes, seed);
        return ValueTask.CompletedTask;
    }

    public ValueTask TransferAsync(int payloadBytes)
    {
        chain.Pump(payloadBytes);
        return ValueTask.CompletedTask;
    }

    public async ValueTask<bool> VerifyAsync(int payloadBytes, ulong checksum) =>
        await chain.PumpChecksumAsync() == (checksum, payloadBytes);

    public ValueTask DisposeAsync() => chain.DisposeAsync();
}
