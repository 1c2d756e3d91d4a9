using System.Buffers;

namespace Roadrunner.Tests.Support;

/// <summary>A .NET sender whose sends run <paramref name="onSend"/> (to call back into guests from inside a guest's send).</summary>
internal sealed class CallbackSender(string name, Func<HoseStatus> onSend) : IHoseSender
{
    public string Name => name;

    public HoseStatus TrySend(ReadOnlySpan<byte> payload) => onSend();

    public HoseStatus Send(ReadOnlySpan<byte> payload, TimeSpan timeout, CancellationToken cancellationToken = default) => onSend();

    public ValueTask SendAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public ValueTask SendAsync(ReadOnlySequence<byte> payload, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public ValueTask<HoseClaim> ClaimAsync(int length, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public void Complete()
    {
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
