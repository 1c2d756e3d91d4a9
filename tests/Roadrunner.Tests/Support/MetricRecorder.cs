using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Roadrunner.Diagnostics;

namespace Roadrunner.Tests.Support;

/// <summary>
/// Listens to the Roadrunner meter: every measurement with its tags, and running totals keyed
/// <c>instrument|tag=value|…</c> (tags in the order the library passes them).
/// </summary>
public sealed class MetricRecorder : IDisposable
{
    private readonly MeterListener _listener = new();

    public MetricRecorder()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == RoadrunnerMetrics.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, v, t, _) => Record(i, v, t));
        _listener.SetMeasurementEventCallback<int>((i, v, t, _) => Record(i, v, t));
        _listener.SetMeasurementEventCallback<double>((i, v, t, _) => Record(i, v, t));
        _listener.Start();
    }

    /// <summary>Every measurement so far.</summary>
    public ConcurrentQueue<(string Instrument, double Value, Dictionary<string, object?> Tags)> Measurements { get; } = new();

    /// <summary>Sums by instrument and tags.</summary>
    public ConcurrentDictionary<string, double> Totals { get; } = new();

    /// <summary>The total under <paramref name="key"/> (<c>instrument|tag=value…</c>), 0 when none.</summary>
    public long Total(string key) => (long)Totals.GetValueOrDefault(key);

    /// <summary>Asks every observable instrument (gauges) for its value now.</summary>
    public void Observe() => _listener.RecordObservableInstruments();

    public void Dispose() => _listener.Dispose();

    private void Record<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        where T : struct
    {
        string key = instrument.Name;
        var map = new Dictionary<string, object?>();
        foreach (KeyValuePair<string, object?> tag in tags)
        {
            key += $"|{tag.Key}={tag.Value}";
            map[tag.Key] = tag.Value;
        }

        double number = Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture);
        Measurements.Enqueue((instrument.Name, number, map));
        Totals.AddOrUpdate(key, number, (_, total) => total + number);
    }
}
