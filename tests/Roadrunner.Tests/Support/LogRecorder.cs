using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Roadrunner.Tests.Support;

/// <summary>A logger factory (and provider) that keeps every entry, for tests that check what the library logged.</summary>
public sealed class LogRecorder : ILoggerFactory, ILoggerProvider
{
    /// <summary>Every entry written so far.</summary>
    public ConcurrentQueue<LogEntry> Entries { get; } = new();

    /// <summary>Entries at Warning or above: what an operator would be told about.</summary>
    public IEnumerable<LogEntry> Problems => Entries.Where(e => e.Level >= LogLevel.Warning);

    /// <summary>Entries of one event.</summary>
    public IEnumerable<LogEntry> Of(string eventName) => Entries.Where(e => e.EventName == eventName);

    public ILogger CreateLogger(string categoryName) => new Recorder(categoryName, Entries);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    /// <summary>The entries as text, for assertion messages.</summary>
    public override string ToString() => string.Join("\n", Entries.Select(e => $"{e.Level} {e.Category}[{e.EventName}] {e.Message}"));

    private sealed class Recorder(string category, ConcurrentQueue<LogEntry> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var fields = state is IReadOnlyList<KeyValuePair<string, object?>> list ? list.ToDictionary(p => p.Key, p => p.Value) : [];
            entries.Enqueue(new LogEntry(category, eventId.Id, eventId.Name, logLevel, formatter(state, exception), fields));
        }
    }
}

/// <summary>One log entry with its structured fields.</summary>
public sealed record LogEntry(string Category, int EventId, string? EventName, LogLevel Level, string Message, IReadOnlyDictionary<string, object?> Fields);
