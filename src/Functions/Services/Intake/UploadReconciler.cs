using System.Runtime.CompilerServices;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Synomaly.Contracts;
using Synomaly.Functions.Options;
using Synomaly.Functions.Services.Bulk;
using Synomaly.Functions.Services.Jobs;
using Synomaly.Functions.Services.Sweeps;
using Synomaly.Storage.Jobs;

namespace Synomaly.Functions.Services.Intake;

/// <summary>What one reconciliation sweep saw and did.</summary>
/// <param name="Examined">Uploads old enough to check and young enough to be inside the lookback window.</param>
/// <param name="Resubmitted">Scan ids whose upload had no job for its current version and went through intake now.</param>
/// <param name="Failed">Scan ids whose upload could not be checked or taken in (logged); the next pass looks at them again.</param>
/// <param name="Complete">False when the time budget ran out first; the next sweep goes on where this one stopped.</param>
public sealed record ReconcileResult(int Examined, IReadOnlyList<string> Resubmitted, IReadOnlyList<string> Failed, bool Complete = true);

/// <summary>
/// The safety net under the blob trigger: blob events can be lost (Event Grid gives up after its retries; the polling
/// trigger's container scan can skip blobs that share a timestamp), and a lost event must not mean a lost scan. Each sweep
/// lists scans/, and every upload between the grace period and the lookback window whose job record does not cover its
/// current version goes through the same intake as its event would have. Intake is idempotent, so a sweep that races the
/// trigger publishes nothing twice. The listing covers the whole container (blob listings cannot filter by time), so a
/// sweep stops after its time budget, between pages, and saves its place (<see cref="SweepCursorStore"/>): on a large
/// container several sweeps make one pass, and the timer function never runs into its timeout. One upload that cannot be
/// taken in (its intake throws) is logged and passed over: it must not stop the sweep, or every upload listed after it.
/// </summary>
public sealed partial class UploadReconciler(
    BlobServiceClient blobs, JobStore jobs, ScanIntakeService intake, SweepCursorStore cursors, IOptions<IntakeOptions> options, TimeProvider clock, ILogger<UploadReconciler> logger)
{
    /// <summary>Within the 5-minute function timeout, with room for the page in progress.</summary>
    public static readonly TimeSpan DefaultBudget = TimeSpan.FromMinutes(3);

    /// <summary>The service's largest listing page: the fewest requests per pass.</summary>
    public const int DefaultPageSize = 5000;

    private readonly IntakeOptions settings = options.Value;

    public Task<ReconcileResult> RunAsync(CancellationToken cancellationToken) => RunAsync(DefaultBudget, DefaultPageSize, cancellationToken);

    public async Task<ReconcileResult> RunAsync(TimeSpan budget, int pageSize, CancellationToken cancellationToken)
    {
        var started = clock.GetTimestamp();
        var now = clock.GetUtcNow();
        var newest = now.AddSeconds(-settings.ReconcileGraceSeconds);
        var oldest = now.AddHours(-settings.ReconcileLookbackHours);
        var container = blobs.GetBlobContainerClient(BlobLayout.ScansContainer);
        int examined = 0;
        var resubmitted = new List<string>();
        var failed = new List<string>();
        string? cursor = null;
        bool placeKept = true;
        try
        {
            cursor = await cursors.GetAsync(SweepCursorStore.UploadReconciliation, cancellationToken).ConfigureAwait(false);
        }
        catch (BulkRunTableMissingException e)
        {
            // The sweep is the safety net for lost blob events: a missing checkpoint table must not stop it. It runs from
            // the start and keeps no place until the table is restored.
            LogPlaceTableMissing(e.TableName);
            placeKept = false;
        }

        await foreach (var page in ListFromAsync(container, cursor, pageSize, cancellationToken).ConfigureAwait(false))
        {
            foreach (var item in page.Values)
            {
                var modified = item.Properties.LastModified;
                var path = UploadBlobName.Parse(item.Name);
                // A name that is no scan's upload is ignored by intake (nothing recorded): taken in again it would only
                // be ignored again, every sweep.
                if (modified is null || modified > newest || modified < oldest || !path.IsWellFormed)
                {
                    continue;
                }

                examined++;
                IntakeOutcome? outcome;
                try
                {
                    outcome = await ReconcileAsync(container, item, path.ScanId!, cancellationToken).ConfigureAwait(false);
                }
                catch (JobTableMissingException e)
                {
                    // Every upload would fail the same way: one Error instead of a Warning per upload. The saved place is
                    // left as it is, so the first sweep after the table is restored covers what this one could not.
                    LogJobTableMissing(e.TableName);
                    return new ReconcileResult(examined, resubmitted, failed, Complete: false);
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    // The exception's message is not logged: a storage error can quote the request, and the blob's name is
                    // the portal's file name.
                    failed.Add(path.ScanId!);
                    LogFailed(path.ScanId!, e.GetType().Name, (e as RequestFailedException)?.ErrorCode);
                    continue;
                }

                if (outcome is { } resubmittedAs)
                {
                    resubmitted.Add(path.ScanId!);
                    LogResubmitted(path.ScanId!, settings.ReconcileGraceSeconds, resubmittedAs);
                }
            }

            // The page is done: an interrupted sweep repeats at most the page after the saved place (intake is idempotent).
            if (page.ContinuationToken is { Length: > 0 } next && clock.GetElapsedTime(started) > budget)
            {
                if (placeKept)
                {
                    await cursors.SetAsync(SweepCursorStore.UploadReconciliation, next, cancellationToken).ConfigureAwait(false);
                }

                LogOutOfTime(examined, resubmitted.Count, failed.Count);
                return new ReconcileResult(examined, resubmitted, failed, Complete: false);
            }
        }

        if (placeKept)
        {
            await cursors.SetAsync(SweepCursorStore.UploadReconciliation, null, cancellationToken).ConfigureAwait(false);
        }

        LogSweep(examined, resubmitted.Count, failed.Count);
        return new ReconcileResult(examined, resubmitted, failed);
    }

    /// <summary>Runs intake for an upload whose current version has no outcome yet; the outcome when it resubmitted it.</summary>
    private async Task<IntakeOutcome?> ReconcileAsync(BlobContainerClient container, BlobItem item, string scanId, CancellationToken cancellationToken)
    {
        var record = await jobs.GetAsync(scanId, settings.ModelVersion, cancellationToken).ConfigureAwait(false);
        if (record is not null && Handled(record, item.Properties.ETag?.ToString(), ContentMd5.Of(item.Properties.ContentHash)))
        {
            return null;
        }

        var result = await intake.ProcessAsync(container.GetBlobClient(item.Name), cancellationToken).ConfigureAwait(false);
        // An unreadable record refuses the upload without writing anything (intake logs it): nothing was resubmitted.
        return result is { Outcome: IntakeOutcome.Queued } or { Outcome: IntakeOutcome.Rejected, Rejection: not IntakeRejectionCode.UnreadableJobRecord } ? result.Outcome : null;
    }

    /// <summary>
    /// The listing's pages from the saved place. A place the service no longer accepts (Azure refuses markers that went
    /// stale as blobs came and went) is dropped and the pass starts over, rather than failing every sweep from now on.
    /// </summary>
    private async IAsyncEnumerable<Page<BlobItem>> ListFromAsync(
        BlobContainerClient container, string? cursor, int pageSize, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        IAsyncEnumerator<Page<BlobItem>> From(string? place) =>
            container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix: null, cancellationToken).AsPages(place, pageSize).GetAsyncEnumerator(cancellationToken);

        var pages = From(cursor);
        try
        {
            bool restartable = cursor is not null;
            while (true)
            {
                bool more;
                try
                {
                    more = await pages.MoveNextAsync().ConfigureAwait(false);
                }
                catch (RequestFailedException e) when (restartable && e.Status == 400)
                {
                    LogCursorDropped(e.ErrorCode);
                    await cursors.SetAsync(SweepCursorStore.UploadReconciliation, null, cancellationToken).ConfigureAwait(false);
                    await pages.DisposeAsync().ConfigureAwait(false);
                    pages = From(null);
                    restartable = false;
                    continue;
                }

                if (!more)
                {
                    yield break;
                }

                restartable = false;
                yield return pages.Current;
            }
        }
        finally
        {
            await pages.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The upload's current version already has its outcome: a job in flight or done, a Failed one for this very version
    /// (a bad file stays failed until it is uploaded again; re-running it every sweep would change nothing), or a
    /// Succeeded one for the same bytes (an unchanged re-upload, which intake leaves on its results without writing the
    /// record: judged by the record's version alone, it would go through intake again every sweep of the lookback).
    /// A job that only expired unprocessed has no outcome yet.
    /// </summary>
    private static bool Handled(JobRecord record, string? etag, string? contentMd5) =>
        etag is not null
        && (record.CoversSourceVersion(etag)
            || record.FailedForVersion(etag)
            || record.SucceededForContent(contentMd5));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scan {ScanId}: no job {GraceSeconds} s after its upload (its blob event was lost or is late); intake ran now ({Outcome})")]
    private partial void LogResubmitted(string scanId, int graceSeconds, IntakeOutcome outcome);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scan {ScanId}: the upload reconciliation could not take the upload in ({ErrorType} {ErrorCode}); passed over until the next pass")]
    private partial void LogFailed(string scanId, string errorType, string? errorCode);

    [LoggerMessage(Level = LogLevel.Error, Message = "Upload reconciliation stopped: the job table '{TableName}' does not exist in the storage account this app is connected to (an incomplete deployment or a deleted table); the next sweep after it is restored goes on from the saved place")]
    private partial void LogJobTableMissing(string tableName);

    [LoggerMessage(Level = LogLevel.Error, Message = "Upload reconciliation: the table '{TableName}' that keeps its place does not exist (an incomplete deployment or a deleted table); sweeping from the start and keeping no place until it is restored")]
    private partial void LogPlaceTableMissing(string tableName);

    [LoggerMessage(Level = LogLevel.Information, Message = "Upload reconciliation: {Examined} uploads checked, {Resubmitted} resubmitted, {Failed} failed")]
    private partial void LogSweep(int examined, int resubmitted, int failed);

    [LoggerMessage(Level = LogLevel.Information, Message = "Upload reconciliation out of time after {Examined} uploads checked, {Resubmitted} resubmitted, {Failed} failed; the next sweep goes on from here")]
    private partial void LogOutOfTime(int examined, int resubmitted, int failed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upload reconciliation: the saved listing place was refused ({ErrorCode}); starting the pass over")]
    private partial void LogCursorDropped(string? errorCode);
}
