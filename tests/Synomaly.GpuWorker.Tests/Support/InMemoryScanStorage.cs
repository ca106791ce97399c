using Azure;
using Synomaly.Contracts;
using Synomaly.GpuWorker.Results;

namespace Synomaly.GpuWorker.Tests.Support;

/// <summary>Source scans and result blobs in memory, with injectable transient faults (storage answering 503).</summary>
internal sealed class InMemoryScanStorage : IScanBlobReader, IResultStore
{
    private readonly Lock gate = new();
    private readonly Dictionary<Uri, BinaryData> sources = [];
    private readonly Dictionary<string, BinaryData> results = [];

    /// <summary>How many of the next source reads answer 503.</summary>
    public int ReadFaults { get; set; }

    public int Reads { get; private set; }

    /// <summary>How many of the next checks for a result (the completion marker's among them) answer 503.</summary>
    public int ExistsFaults { get; set; }

    /// <summary>How many of the next result deletions answer 503.</summary>
    public int DeleteFaults { get; set; }

    public int CreateAttempts { get; private set; }

    /// <summary>Called (under the store's lock) after each create attempt with the blob's path: a hook for races.</summary>
    public Action<string>? Created { get; set; }

    public IReadOnlyDictionary<string, BinaryData> Results
    {
        get
        {
            lock (gate)
            {
                return new Dictionary<string, BinaryData>(results);
            }
        }
    }

    public void AddSource(Uri uri, BinaryData content)
    {
        lock (gate)
        {
            sources[uri] = content;
        }
    }

    public Task<BinaryData> ReadAsync(ScanJob job, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            Reads++;
            if (ReadFaults > 0)
            {
                ReadFaults--;
                throw new RequestFailedException(503, "Service unavailable (injected).", "ServerBusy", null);
            }

            return Task.FromResult(sources[job.SourceBlobUri ?? throw new InvalidOperationException("The handler read a job without its source.")]);
        }
    }

    public Task<bool> ExistsAsync(string path, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            if (ExistsFaults > 0)
            {
                ExistsFaults--;
                throw new RequestFailedException(503, "Service unavailable (injected).", "ServerBusy", null);
            }

            return Task.FromResult(results.ContainsKey(path));
        }
    }

    public Task<bool> CreateIfAbsentAsync(string path, BinaryData content, string contentType, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            CreateAttempts++;
            var created = results.TryAdd(path, content);
            Created?.Invoke(path);
            return Task.FromResult(created);
        }
    }

    public Task<int> DeleteUnderAsync(string prefix, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            if (DeleteFaults > 0)
            {
                DeleteFaults--;
                throw new RequestFailedException(503, "Service unavailable (injected).", "ServerBusy", null);
            }

            var doomed = results.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).ToList();
            doomed.ForEach(k => results.Remove(k));
            return Task.FromResult(doomed.Count);
        }
    }
}
