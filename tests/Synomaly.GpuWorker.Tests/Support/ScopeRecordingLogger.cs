using Microsoft.Extensions.Logging;

namespace Synomaly.GpuWorker.Tests.Support;

/// <summary>A logger that records every line with the scopes open around it, as an exporter that includes scopes sees them.</summary>
internal sealed class ScopeRecordingLogger<T> : ILogger<T>
{
    private readonly LoggerExternalScopeProvider scopes = new();
    private readonly List<(string Message, IReadOnlyDictionary<string, object?> Scope)> entries = [];

    public IReadOnlyList<(string Message, IReadOnlyDictionary<string, object?> Scope)> Entries
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
            entries.Add((formatter(state, exception), scope));
        }
    }
}
