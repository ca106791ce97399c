using Synomaly.Contracts;
using Synomaly.Functions.Services.Intake;
using Synomaly.Storage.Jobs;

namespace Synomaly.Functions.Services.Bulk;

/// <summary>
/// Which Failed archive jobs a run resubmits. A job Failed for the listed blob version is skipped, since most failures
/// are verdicts on the file; a run whose request names error codes (<see cref="BulkRun.RetryErrorCodes"/>) resubmits the
/// jobs Failed for that version with one of them: those the worker gave up on during an outage (StorageUnavailable,
/// Timeout, ...) or that it refused as another model version (ModelVersionMismatch), which no retry endpoint takes (they
/// take uploads only). The resubmitted job carries a message id of its own, stamped with the run's start (ScanJob.Retry),
/// because Service Bus duplicate detection would drop a repeat of the failed attempt's id; every step of the run gives a
/// scan the same id, so a retried step takes over its own reservation rather than meeting it as another message's.
/// </summary>
public sealed class BulkRunRetry(JobStore jobs)
{
    /// <summary>The codes of a request, checked as retry-failed checks its <c>errorCodes</c>; none when the request names none.</summary>
    /// <exception cref="InvalidBulkRunRequestException">Too many codes, or one that is not an error code.</exception>
    public static IReadOnlyList<string> ValidatedCodes(IReadOnlyList<string>? retryErrorCodes)
    {
        if (retryErrorCodes is not { Count: > 0 })
        {
            return [];
        }

        return FailedUploadRetryRequest.AreErrorCodes(retryErrorCodes)
            ? [.. retryErrorCodes.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)]
            : throw new InvalidBulkRunRequestException(
                $"'retryErrorCodes' takes at most {FailedUploadRetryRequest.MaxErrorCodes} codes of letters and digits (as the job status shows them), as 'errorCodes' of POST /api/scans/retry-failed does.");
    }

    /// <summary>
    /// The job to submit for a listed archive file, and whether it may requeue a job Failed for this blob version (the
    /// submitter's retryFailed). Reads the record only for a run that names error codes.
    /// </summary>
    public async Task<(ScanJob Job, bool RetryFailed)> DecideAsync(ScanJob job, BulkRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(run);
        if (run.RetryErrorCodes.Count == 0)
        {
            return (job, false);
        }

        var retry = job with { Retry = run.CreatedAt.ToUnixTimeMilliseconds() };
        var current = await jobs.GetAsync(job.ScanId, job.ModelVersion, cancellationToken).ConfigureAwait(false);
        if (current is null)
        {
            return (job, false);
        }

        if (current.MessageId == retry.MessageId)
        {
            // This run resubmitted it already (an earlier attempt of this step): the same message, taken over or skipped.
            return (retry, false);
        }

        // An erased scan's tombstone is no failure to retry, whatever the codes say.
        bool retryable = current.FailedForVersion(job.SourceETag) && !current.IsDeleted
            && current.ErrorCode is { } code && run.RetryErrorCodes.Contains(code, StringComparer.Ordinal);
        return retryable ? (retry, true) : (job, false);
    }
}
