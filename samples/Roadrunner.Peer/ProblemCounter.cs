using Microsoft.Extensions.Logging;

namespace Roadrunner.Peer;

/// <summary>A logger factory that counts the library's entries at Warning or above (the parent asks for the count) and prints them to stderr.</summary>
internal sealed class ProblemCounter : ILoggerFactory
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public ILogger CreateLogger(string categoryName) => new Counter(this, categoryName);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class Counter(ProblemCounter owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                Interlocked.Increment(ref owner._count);
                Console.Error.WriteLine($"{logLevel} {category}[{eventId.Name}]: {formatter(state, exception)}");
            }
        }
    }
}
