using Microsoft.Extensions.Logging;

namespace Roadrunner.Cli;

/// <summary>
/// Keeps the last warning or error the library logged during an invoke, so a failure status can say why (for example
/// the connection refused behind a <c>PeerFailed</c>).
/// </summary>
internal sealed class ProblemLog : ILoggerFactory
{
    /// <summary>The last warning or error, or null.</summary>
    public string? Last { get; private set; }

    public ILogger CreateLogger(string categoryName) => new Keeper(this);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class Keeper(ProblemLog owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                owner.Last = formatter(state, exception);
            }
        }
    }
}
