using Microsoft.Extensions.Logging;

namespace Synomaly.GpuWorker.Tests.Support;

/// <summary>
/// A logger that records every line as an exporter that includes scopes sees it: its level, its text, the exception
/// handed to it (which an exporter writes out with its message and stack) and the scopes open around it.
/// </summary>
internal sealed class RecordingLogger<T> : ILogger<T>
{
    private readonly LoggerExternalScopeProvider scopes = new();
    private readonly List<(LogLevel Level, string Message, Exception? Exception, IReadOnlyDictionary<string, object?> Scope)> entries = [];

    public IReadOnlyList<(LogLevel Level, string Message, Exception? Exception, IReadOnlyDictionary<string, object?> Scope)> Entries
    {
        get
        {
            lock (entries)
            {
                return [.. entries];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => scopes.Push(state);

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var scope = new Dictionary<string, object?>();
        scopes.ForEachScope(
            (open, values) =>
            {
                if (open is IEnumerable<KeyValuePair<string, object>> pairs)
                {
                    foreach (var (key, value) in pairs)
                    {
                        values[key] = value;
                    }
                }
            },
            scope);
        lock (entries)
        {
            entries.Add((logLevel, formatter(state, exception), exception, scope));
        }
    }
}
