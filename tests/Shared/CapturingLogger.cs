using Microsoft.Extensions.Logging;

// Compiled into Synomaly.Functions.Tests and Synomaly.GpuWorker.Tests as a linked file rather than living in
// Synomaly.Testing, which does not reference the logging abstractions the two hosts bring.
namespace Synomaly.Testing;

/// <summary>Keeps every formatted log line with its level, for tests of what operators (and alerts) get to see, and what they must not.</summary>
internal sealed class CapturingLogger<T> : ILogger<T>
{
    private readonly List<(LogLevel Level, string Message)> entries = [];

    public IReadOnlyList<(LogLevel Level, string Message)> Entries
    {
        get
        {
            lock (entries)
            {
                return [.. entries];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (entries)
        {
            entries.Add((logLevel, formatter(state, exception)));
        }
    }
}
