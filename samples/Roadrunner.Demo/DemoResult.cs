namespace Roadrunner.Demo;

/// <summary>
/// Medians of one payload size: one contender (a hose mode, or the socket pump reference) against HTTP+JSON, with how
/// many transfers of each were verified by checksum (timed and warm-up), and for a zero-copy mode how its payloads
/// reached the receiver (<c>mapped N/N</c> or <c>copied N/N</c>, counted by the receiver guest).
/// </summary>
internal sealed record DemoResult(string Mode, int PayloadBytes, double HoseMicros, double BaselineMicros, int HoseVerified, int BaselineVerified, string? Path = null)
{
    /// <summary>HTTP+JSON time ÷ hose time: above 1 the hose was faster.</summary>
    public double Speedup => BaselineMicros / HoseMicros;

    public static string GigabytesPerSecond(int bytes, double micros) =>
        micros <= 0 ? "-" : $"{bytes / micros / 1000.0:0.000}";

    public static string Size(int bytes) => bytes switch
    {
        >= 1000 * 1000 => $"{bytes / 1_000_000} MB",
        >= 1000 => $"{bytes / 1000} KB",
        _ => $"{bytes} B",
    };

    public static string Latency(double micros) => micros switch
    {
        >= 10_000 => $"{micros / 1000:0} ms",
        >= 1000 => $"{micros / 1000:0.00} ms",
        _ => $"{micros:0.0} µs",
    };
}
