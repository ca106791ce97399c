using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Synomaly.Contracts;
using Synomaly.Functions.Options;
using Synomaly.Functions.Services.Jobs;
using Synomaly.Storage.Jobs;

namespace Synomaly.Functions.Services.Intake;

/// <summary>What an explicit retry found and did.</summary>
public enum RetryOutcome
{
    /// <summary>The upload went through intake again and its job is Queued (or Failed again at intake: see the record).</summary>
    Resubmitted,

    /// <summary>No job for this scan and the current model version.</summary>
    NoJob,

    /// <summary>The job is not Failed (Queued, Processing or Succeeded): there is nothing to retry.</summary>
    NotFailed,

    /// <summary>The job came from the archive: reprocessing runs (<c>POST /api/reprocess</c>) resubmit those.</summary>
    NotAnUpload,

    /// <summary>The upload blob is no longer in scans/{scanId}/.</summary>
    UploadGone,

    /// <summary>
    /// Intake took nothing in and recorded nothing: the upload was deleted or replaced while intake read it (a replaced
    /// upload's new version is taken in by its own event), or the folder held no name intake takes. The job is as it was.
    /// </summary>
    NotTakenIn,

    /// <summary>
    /// Intake published nothing because the record already covers this upload: another request (a second retry, the
    /// upload's own event) took it in between this retry's read and intake's write. The record says where the job stands.
    /// </summary>
    AlreadyHandled,

    /// <summary>The scan was erased while the retry ran: its tombstone stands and nothing was resubmitted.</summary>
    Erased,
}

/// <summary>The outcome of a retry, with the job record as intake left it (null when there is none, or the blob changed under intake).</summary>
public sealed record RetryResult(RetryOutcome Outcome, JobRecord? Record);

/// <summary>
/// <c>POST /api/scans/{scanId}/retry</c>: sends a Failed upload through intake again, for the current model version.
/// Failures that are no verdict on the file (an expired message, a storage outage that outlasted the worker's attempts,
/// a worker that served another model version during a switch) otherwise stay Failed until the file is uploaded again.
/// A file that is really bad fails again with the same reason: the retry is the caller's explicit choice.
/// </summary>
public sealed partial class ScanRetryService(JobStore jobs, BlobServiceClient blobs, ScanIntakeService intake, IOptions<IntakeOptions> options, ILogger<ScanRetryService> logger)
{
    private readonly IntakeOptions settings = options.Value;

    public async Task<RetryResult> RetryAsync(string scanId, CancellationToken cancellationToken)
    {
        var record = await jobs.GetAsync(scanId, settings.ModelVersion, cancellationToken).ConfigureAwait(false);
        return record is null ? new RetryResult(RetryOutcome.NoJob, null) : await RetryAsync(record, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The retry of a job record the caller has just read (a bulk retry lists them). Intake decides on the record as it
    /// stands when it writes, so a record that moved on since it was read is not queued twice.
    /// </summary>
    public async Task<RetryResult> RetryAsync(JobRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        var scanId = record.ScanId;
        if (record.State != JobState.Failed)
        {
            return new RetryResult(RetryOutcome.NotFailed, record);
        }

        if (record.Origin != JobOrigin.Upload)
        {
            return new RetryResult(RetryOutcome.NotAnUpload, record);
        }

        var upload = await FindUploadAsync(scanId, cancellationToken).ConfigureAwait(false);
        if (upload is null)
        {
            return new RetryResult(RetryOutcome.UploadGone, record);
        }

        var result = await intake.ProcessAsync(upload, cancellationToken, retryFailed: true).ConfigureAwait(false);
        LogRetried(scanId, record.ErrorCode ?? "", result.Outcome);
        return result switch
        {
            { Outcome: IntakeOutcome.Erased } => new RetryResult(RetryOutcome.UploadGone, record), // a file sent after the scan's erasure: erased, not retried
            // Answered as a resubmission before, with the job still Failed: the caller was told it was queued again.
            { Outcome: IntakeOutcome.Superseded } or { Outcome: IntakeOutcome.Rejected, Record: null } => new RetryResult(RetryOutcome.NotTakenIn, record),
            // Answered 202 with whatever the record then said: the caller took a job another request queued (or a
            // tombstone) for its own resubmission.
            { Outcome: IntakeOutcome.Skipped, Skipped: SkipReason.Erased } => new RetryResult(RetryOutcome.Erased, result.Record),
            { Outcome: IntakeOutcome.Skipped } => new RetryResult(RetryOutcome.AlreadyHandled, result.Record ?? record),
            _ => new RetryResult(RetryOutcome.Resubmitted, result.Record),
        };
    }

    /// <summary>
    /// The scan's upload: the first blob under scans/{scanId}/ that is one (<see cref="BlobLayout.IsUploadOf"/>); null
    /// where none is. Another blob written into the folder (a/b lists before scan.dcm) is no upload: intake ignores it.
    /// </summary>
    private async Task<BlobClient?> FindUploadAsync(string scanId, CancellationToken cancellationToken)
    {
        var container = blobs.GetBlobContainerClient(BlobLayout.ScansContainer);
        await foreach (var item in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix: scanId + "/", cancellationToken).ConfigureAwait(false))
        {
            if (BlobLayout.IsUploadOf(scanId, item.Name))
            {
                return container.GetBlobClient(item.Name);
            }
        }

        return null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Scan {ScanId}: retry of a job that failed with {ErrorCode}; intake {Outcome}")]
    private partial void LogRetried(string scanId, string errorCode, IntakeOutcome outcome);
}
