using System.Collections.Concurrent;
using Synomaly.Contracts;

namespace Synomaly.Storage.Messaging;

/// <summary>A ScanJob with the time it was scheduled for.</summary>
public sealed record PublishedScanJob(ScanJob Job, DateTimeOffset? ScheduledEnqueueTime);

/// <summary>
/// Keeps published jobs in memory (unit tests, single-process runs). Like a Storage Queue it does not drop duplicates,
/// so tests see every publish a caller makes.
/// </summary>
public sealed class InMemoryScanJobPublisher : IScanJobPublisher
{
    private readonly ConcurrentQueue<PublishedScanJob> published = new();

    /// <summary>Every job published so far, in order.</summary>
    public IReadOnlyList<PublishedScanJob> Published => [.. published];

    public Task PublishAsync(ScanJob job, DateTimeOffset? scheduledEnqueueTime = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        cancellationToken.ThrowIfCancellationRequested();
        published.Enqueue(new PublishedScanJob(job, scheduledEnqueueTime));
        return Task.CompletedTask;
    }

    public Task PublishBatchAsync(IReadOnlyList<ScanJob> jobs, DateTimeOffset? scheduledEnqueueTime = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        cancellationToken.ThrowIfCancellationRequested();
        foreach (var job in jobs)
        {
            published.Enqueue(new PublishedScanJob(job, scheduledEnqueueTime));
        }

        return Task.CompletedTask;
    }

    /// <summary>Removes and returns everything published so far.</summary>
    public IReadOnlyList<PublishedScanJob> Drain()
    {
        var drained = new List<PublishedScanJob>();
        while (published.TryDequeue(out var item))
        {
            drained.Add(item);
        }

        return drained;
    }
}
