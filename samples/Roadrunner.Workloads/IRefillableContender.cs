namespace Roadrunner.Workloads;

/// <summary>A contender whose producer can write its prepared payload again (see <see cref="FreshPayloadContender"/>).</summary>
public interface IRefillableContender : IPayloadContender
{
    /// <summary>The producer guest writes the prepared pattern into its buffer again.</summary>
    /// <param name="payloadBytes">Payload size (at most what <see cref="IPayloadContender.PrepareAsync"/> filled).</param>
    /// <returns>How long the fill took (µs).</returns>
    double Refill(int payloadBytes);
}
