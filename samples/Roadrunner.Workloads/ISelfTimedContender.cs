namespace Roadrunner.Workloads;

/// <summary>
/// A contender whose <see cref="IPayloadContender.TransferAsync"/> does untimed work besides the hop (its producer's
/// fill), so it times the hop itself; benchmarks record <see cref="LastHopMicros"/> instead of the whole call.
/// </summary>
public interface ISelfTimedContender : IPayloadContender
{
    /// <summary>The hop of the last <see cref="IPayloadContender.TransferAsync"/> in µs, the producer's fill left out.</summary>
    double LastHopMicros { get; }
}
