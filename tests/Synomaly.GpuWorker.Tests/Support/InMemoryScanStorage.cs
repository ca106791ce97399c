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

    public int CreateAttempts { get; private set; }

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

            return Task.FromResult(sources[job.SourceBlobUri]);
        }
    }

    public Task<bool> ExistsAsync(string path, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            return Task.FromResult(results.ContainsKey(path));
        }
    }

    public Task<bool> CreateIfAbsentAsync(string path, BinaryData content, string contentType, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            CreateAttempts++;
            return Task.FromResult(results.TryAdd(path, content));
        }
    }
}
