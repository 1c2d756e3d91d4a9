namespace Roadrunner.Workloads;

/// <summary>A contender that knows how long its producer guest takes to fill the payload (the fill is never in the hop).</summary>
public interface IFillTimedContender : IPayloadContender
{
    /// <summary>
    /// The producer's last fill in µs: a zero-copy sender fills a freshly claimed window in every transfer, so this is the
    /// fill of the last <see cref="IPayloadContender.TransferAsync"/>; a sender that copies fills its buffer once, so
    /// this is a second, timed fill in <see cref="IPayloadContender.PrepareAsync"/> (pages already in use).
    /// </summary>
    double LastFillMicros { get; }
}

/// <summary>
/// A zero-copy contender: its producer claims a window, fills it and commits it in every transfer. It times its own
/// hop (claim, then commit until every receiver returned or acknowledged), leaving the fill out, and tells which path
/// its payloads took.
/// </summary>
/// <remarks><see cref="ISelfTimedContender.LastHopMicros"/> is the claim plus commit-to-delivered.</remarks>
public interface IZeroCopyContender : IFillTimedContender, ISelfTimedContender
{
    /// <summary>
    /// How the payloads delivered since the last call reached the receivers, e.g. <c>mapped 64/64</c> (pages mapped
    /// into the receiver's window) or <c>copied 64/64</c> (the host copied them), counted by the receiver guests.
    /// </summary>
    /// <returns>The summary.</returns>
    ValueTask<string> TakePathReportAsync();
}
