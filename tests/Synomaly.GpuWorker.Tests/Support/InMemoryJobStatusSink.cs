using Synomaly.Contracts;
using Synomaly.GpuWorker.Processing;
using Synomaly.GpuWorker.Status;
using Synomaly.Storage.Jobs;

namespace Synomaly.GpuWorker.Tests.Support;

/// <summary>
/// Job records in memory for handler tests, with JobStoreStatusSink's rules: the same transitions (WorkerTransitions), a
/// record of another message is never touched, another delivery's claim is taken over only as JobClaim allows, the
/// attempt count only grows, and a job failed as SourceMissing forgets its source. It keeps every state a record went through, which the table does not.
/// </summary>
internal sealed class InMemoryJobStatusSink(TimeProvider? time = null) : IJobStatusSink
{
    private readonly TimeProvider clock = time ?? TimeProvider.System;
    private readonly Lock gate = new();
    private readonly Dictionary<(string ScanId, string ModelVersion), InMemoryJobRecord> records = [];

    public InMemoryJobRecord? Get(string scanId, string modelVersion)
    {
        lock (gate)
        {
            return records.GetValueOrDefault((scanId, modelVersion));
        }
    }

    /// <summary>
    /// Records <paramref name="job"/> Queued for its own message, as intake or a reprocessing run does when it (re)queues
    /// a scan; <paramref name="source"/> is the source the record names when the message names none (an archive job).
    /// </summary>
    public void Queue(ScanJob job, Uri? source = null)
    {
        ArgumentNullException.ThrowIfNull(job);
        lock (gate)
        {
            var current = records.GetValueOrDefault((job.ScanId, job.ModelVersion)) ?? new InMemoryJobRecord(JobState.Queued);
            records[(job.ScanId, job.ModelVersion)] = current with
            {
                State = JobState.Queued,
                MessageId = job.MessageId,
                SourceBlobUri = source ?? job.SourceBlobUri,
                History = [.. current.History, JobState.Queued],
            };
        }
    }

    /// <summary>Turns the record of <paramref name="job"/> into an erasure tombstone, as DELETE /api/scans/{scanId} does.</summary>
    public void Erase(ScanJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        lock (gate)
        {
            var current = records.GetValueOrDefault((job.ScanId, job.ModelVersion)) ?? new InMemoryJobRecord(JobState.Queued);
            records[(job.ScanId, job.ModelVersion)] = current with
            {
                State = JobState.Failed,
                MessageId = JobRecord.DeletedMessageId,
                ErrorCode = JobRecord.DeletedErrorCode,
                ResultsPrefix = null,
                History = [.. current.History, JobState.Failed],
            };
        }
    }

    /// <summary>How many times a record was read, as each read is a table round trip in the cloud.</summary>
    public int RecordReads { get; private set; }

    public Task<RecordedJob?> GetRecordAsync(ScanJob job, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            RecordReads++;
            var record = records.GetValueOrDefault((job.ScanId, job.ModelVersion));
            JobSupersededException.ThrowIfOtherMessage(record?.MessageId, job);

            return Task.FromResult(record is null ? null : new RecordedJob(record.State, record.SourceBlobUri, record.ErrorCode));
        }
    }

    /// <summary>Starts the job under <paramref name="claim"/> unless another delivery's claim holds it, as the table's sink does.</summary>
    public Task<bool> TryClaimAsync(ScanJob job, JobClaim claim, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            var current = records.GetValueOrDefault((job.ScanId, job.ModelVersion));
            JobSupersededException.ThrowIfOtherMessage(current?.MessageId, job);
            if (current is { State: JobState.Processing } && !claim.MayTakeOver(current.ClaimedBy, current.StartedAt))
            {
                return Task.FromResult(false);
            }

            Move(job, JobState.Processing, r => r with { Attempt = Math.Max(r.Attempt, claim.DeliveryCount), ClaimedBy = claim.Value, StartedAt = clock.GetUtcNow() });
            return Task.FromResult(true);
        }
    }

    /// <summary>Back to Queued unless another delivery's claim holds the job, as the table's sink does.</summary>
    public Task MarkRetryingAsync(ScanJob job, JobClaim claim, string errorCode, string errorMessage, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            var current = records.GetValueOrDefault((job.ScanId, job.ModelVersion));
            JobSupersededException.ThrowIfOtherMessage(current?.MessageId, job);
            if (current is not null)
            {
                WorkerTransitions.Require(current.State, JobState.Queued);
            }

            if (current is { State: JobState.Processing } && !claim.MayTakeOver(current.ClaimedBy, current.StartedAt))
            {
                return Task.CompletedTask;
            }

            return Move(job, JobState.Queued, r => r with { Attempt = Math.Max(r.Attempt, claim.DeliveryCount), ErrorCode = errorCode, ErrorMessage = errorMessage });
        }
    }

    public Task MarkSucceededAsync(ScanJob job, string resultsPrefix, CancellationToken cancellationToken = default) =>
        Move(job, JobState.Succeeded, r => r with { ResultsPrefix = resultsPrefix, ErrorCode = null, ErrorMessage = null });

    /// <summary>Fails the job unless another delivery's claim holds it, as the table's sink does.</summary>
    public Task<bool> TryMarkFailedAsync(ScanJob job, JobClaim claim, string errorCode, string errorMessage, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            var current = records.GetValueOrDefault((job.ScanId, job.ModelVersion));
            JobSupersededException.ThrowIfOtherMessage(current?.MessageId, job);
            if (current is not null)
            {
                WorkerTransitions.Require(current.State, JobState.Failed);
            }

            if (current is { State: JobState.Processing } && !claim.MayTakeOver(current.ClaimedBy, current.StartedAt))
            {
                return Task.FromResult(false);
            }

            Move(job, JobState.Failed, r => r with
            {
                ErrorCode = errorCode,
                ErrorMessage = errorMessage,
                SourceBlobUri = errorCode == JobRejectedException.SourceMissing ? null : r.SourceBlobUri,
            });
            return Task.FromResult(true);
        }
    }

    private Task Move(ScanJob job, JobState to, Func<InMemoryJobRecord, InMemoryJobRecord> update)
    {
        lock (gate)
        {
            var key = (job.ScanId, job.ModelVersion);
            var current = records.GetValueOrDefault(key) ?? new InMemoryJobRecord(JobState.Queued) { MessageId = job.MessageId };
            JobSupersededException.ThrowIfOtherMessage(current.MessageId, job);
            WorkerTransitions.Require(current.State, to);

            records[key] = update(current with { State = to, History = [.. current.History, to] });
        }

        return Task.CompletedTask;
    }
}

/// <summary>One job record as the in-memory sink keeps it, with every state it went through.</summary>
internal sealed record InMemoryJobRecord(JobState State)
{
    /// <summary>The message the record stands for; set by the first write.</summary>
    public string? MessageId { get; init; }

    /// <summary>The source blob, as the job record keeps it for a message that names none.</summary>
    public Uri? SourceBlobUri { get; init; }

    public int Attempt { get; init; }

    /// <summary>The claim of the delivery that last moved the job to Processing.</summary>
    public string? ClaimedBy { get; init; }

    /// <summary>When that delivery claimed it.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    public string? ErrorCode { get; init; }

    public string? ErrorMessage { get; init; }

    public string? ResultsPrefix { get; init; }

    public IReadOnlyList<JobState> History { get; init; } = [];
}
