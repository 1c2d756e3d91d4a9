namespace Roadrunner.Diagnostics;

/// <summary>
/// A queued payload that carries its sender's trace context to the span that delivers it (a region payload): lets
/// <see cref="RoadrunnerActivity"/> stamp and read it without knowing the layers above.
/// </summary>
internal interface ITracedPayload
{
    /// <summary>Payload bytes.</summary>
    long Length { get; }

    /// <summary>The sender's trace context (none by default).</summary>
    TraceContext Trace { get; set; }

    /// <summary>The transport that brought the payload (a <see cref="RoadrunnerActivity"/> mode); null: in-process.</summary>
    string? TraceMode { get; set; }
}
