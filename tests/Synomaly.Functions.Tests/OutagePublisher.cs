using Azure;
using Synomaly.Contracts;
using Synomaly.Storage.Messaging;

namespace Synomaly.Functions.Tests;

/// <summary>
/// An in-memory publisher whose queue can go down: while <see cref="FailsFor"/> says so for a job, publishing it throws the
/// error a Storage Queue answers when it is overloaded (503 ServerBusy), and nothing is published.
/// </summary>
internal sealed class OutagePublisher : IScanJobPublisher
{
    private readonly InMemoryScanJobPublisher inner = new();

    /// <summary>Which jobs fail to publish; none by default.</summary>
    public Func<ScanJob, bool> FailsFor { get; set; } = _ => false;

    public IReadOnlyList<PublishedScanJob> Published => inner.Published;

    public Task PublishAsync(ScanJob job, DateTimeOffset? scheduledEnqueueTime = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        return FailsFor(job) ? throw Outage() : inner.PublishAsync(job, scheduledEnqueueTime, cancellationToken);
    }

    public Task PublishBatchAsync(IReadOnlyList<ScanJob> jobs, DateTimeOffset? scheduledEnqueueTime = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        return jobs.Any(FailsFor) ? throw Outage() : inner.PublishBatchAsync(jobs, scheduledEnqueueTime, cancellationToken);
    }

    private static RequestFailedException Outage() => new(503, "The server is busy.", "ServerBusy", null);
}
