using Roadrunner.Workloads;

namespace Roadrunner.Bench.Contenders;

/// <summary>
/// Today's copying path with a producer that writes a fresh payload before every transfer (fill timed apart), the
/// like-for-like baseline of a zero-copy mode, whose producer must do that (see <see cref="FreshPayloadContender"/>).
/// </summary>
/// <param name="today">Today's mode, e.g. <c>cross-process</c>; its contender must be an <see cref="IRefillableContender"/>.</param>
public sealed class FreshPayloadBaseline(IContenderFactory today) : IContenderFactory
{
    /// <inheritdoc />
    public string Name { get; } = today.Name + FreshPayloadContender.Suffix;

    /// <inheritdoc />
    /// <remarks>Chains only: the fan-out target is against HTTP+JSON, and each extra baseline lengthens the run.</remarks>
    public bool SupportsFanOut => false;

    /// <inheritdoc />
    public async Task<IPayloadContender> StartAsync(int receivers, CancellationToken cancellationToken)
    {
        IPayloadContender contender = await today.StartAsync(receivers, cancellationToken).ConfigureAwait(false);
        if (contender is IRefillableContender refillable)
        {
            return new FreshPayloadContender(refillable);
        }

        await contender.DisposeAsync().ConfigureAwait(false);
        throw new InvalidOperationException($"'{today.Name}' cannot refill its payload.");
    }
}
