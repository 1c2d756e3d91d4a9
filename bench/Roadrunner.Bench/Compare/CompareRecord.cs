using System.Text.Json.Serialization;

namespace Roadrunner.Bench.Compare;

/// <summary>One row of <c>compare --json</c>: a hose mode against one baseline for one (workload, size, fan-out).</summary>
internal sealed record CompareRecord
{
    /// <summary><c>chain</c> or <c>fanout</c>.</summary>
    [JsonPropertyName("workload")]
    public required string Workload { get; init; }

    /// <summary><c>in-process</c>, <c>cross-process</c> or <c>network</c>.</summary>
    [JsonPropertyName("mode")]
    public required string Mode { get; init; }

    /// <summary><c>http-json</c>, <c>http-json-host</c>, <c>uds-json</c>, <c>memcpy</c> or <c>socket-pump</c>.</summary>
    [JsonPropertyName("baseline")]
    public required string Baseline { get; init; }

    /// <summary>
    /// What each consumer did with a payload inside the timed transfer: <c>touch</c> (O(1): length, first and last byte;
    /// the paper's consumer) or <c>read-all</c> (read every byte), the same for the hose and the baseline.
    /// </summary>
    [JsonPropertyName("consumer")]
    public required string Consumer { get; init; }

    /// <summary>Payload size per receiver.</summary>
    [JsonPropertyName("payloadBytes")]
    public required long PayloadBytes { get; init; }

    /// <summary>Receivers per payload (1 for a chain).</summary>
    [JsonPropertyName("fanout")]
    public required int FanOut { get; init; }

    /// <summary>Median latency of the hose mode.</summary>
    [JsonPropertyName("hoseMedianMicros")]
    public required double HoseMedianMicros { get; init; }

    /// <summary>Median latency of the baseline.</summary>
    [JsonPropertyName("baselineMedianMicros")]
    public required double BaselineMedianMicros { get; init; }

    /// <summary>baseline / hose: above 1 the hose is faster; for memcpy, the fraction of the floor reached.</summary>
    [JsonPropertyName("ratio")]
    public double Ratio => BaselineMedianMicros / HoseMedianMicros;

    /// <summary>Timed transfers per contender.</summary>
    [JsonPropertyName("samples")]
    public required int Samples { get; init; }

    /// <summary>Untimed byte-for-byte verifications that passed (both contenders).</summary>
    [JsonPropertyName("verified")]
    public required int Verified { get; init; }

    /// <summary>Managed bytes allocated per hose transfer (all threads).</summary>
    [JsonPropertyName("hoseAllocatedBytesPerOp")]
    public required double HoseAllocatedBytesPerOp { get; init; }

    /// <summary>Managed bytes allocated per baseline transfer (all threads).</summary>
    [JsonPropertyName("baselineAllocatedBytesPerOp")]
    public required double BaselineAllocatedBytesPerOp { get; init; }

    /// <summary>
    /// Median time the hose's producer guest took to fill the payload (never part of the hop): a zero-copy producer fills
    /// a freshly claimed window in every transfer, a copying one refills the same buffer (timed once at preparation).
    /// Null when the contender does not report it.
    /// </summary>
    [JsonPropertyName("hoseFillMedianMicros")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? HoseFillMedianMicros { get; init; }

    /// <summary>The same for the baseline (today's path next to a zero-copy mode); null when not reported.</summary>
    [JsonPropertyName("baselineFillMedianMicros")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? BaselineFillMedianMicros { get; init; }

    /// <summary>
    /// For a zero-copy mode, how the hose's payloads of this pair reached the receivers, counted by the receiver guests:
    /// <c>mapped N/N</c>, <c>copied N/N</c> (the host copied: below its mapping crossover, or no mapping on that path) or
    /// both. Null for the other modes.
    /// </summary>
    [JsonPropertyName("hosePath")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? HosePath { get; init; }

    /// <summary>The same for a baseline that is itself a zero-copy hop (a variant of the mode); null otherwise.</summary>
    [JsonPropertyName("baselinePath")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? BaselinePath { get; init; }

    /// <summary>Peak resident set of the process while this pair ran (both contenders alive; Linux VmHWM after a reset).</summary>
    [JsonPropertyName("peakWorkingSetBytes")]
    public required long PeakWorkingSetBytes { get; init; }
}
