using Azure;
using Synomaly.Contracts;
using Synomaly.Storage.Messaging;

namespace Synomaly.Functions.Tests;

/// <summary>
/// An in-memory publisher whose queue can go down: while <see cref="FailsFor"/> says so for a job, publishing it throws
/// <see cref="Failure"/>, and nothing is published.
/// </summary>
internal sealed class OutagePublisher : IScanJobPublisher
{
    private readonly InMemoryScanJobPublisher inner = new();

    /// <summary>Which jobs fail to publish; none by default.</summary>
    public Func<ScanJob, bool> FailsFor { get; set; } = _ => false;

    /// <summary>What a failed publish throws; by default what a Storage Queue answers when it is overloaded (503 ServerBusy).</summary>
    public Func<Exception> Failure { get; set; } = () => new RequestFailedException(503, "The server is busy.", "ServerBusy", null);

    public IReadOnlyList<PublishedScanJob> Published => inner.Published;

    public Task PublishAsync(ScanJob job, DateTimeOffset? scheduledEnqueueTime = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        return FailsFor(job) ? throw Failure() : inner.PublishAsync(job, scheduledEnqueueTime, cancellationToken);
    }

    public Task PublishBatchAsync(IReadOnlyList<ScanJob> jobs, DateTimeOffset? scheduledEnqueueTime = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        return jobs.Any(FailsFor) ? throw Failure() : inner.PublishBatchAsync(jobs, scheduledEnqueueTime, cancellationToken);
    }
}
