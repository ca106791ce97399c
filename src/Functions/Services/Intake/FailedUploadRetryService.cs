using Azure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Synomaly.Contracts;
using Synomaly.Functions.Options;
using Synomaly.Functions.Services.Jobs;
using Synomaly.Storage;
using Synomaly.Storage.Jobs;

namespace Synomaly.Functions.Services.Intake;

/// <summary>
/// Retries Failed uploads in bulk (after an outage that outlasted the worker's attempts, or a model switch), one
/// <see cref="ScanRetryService"/> retry each, so every rule of the single retry holds. A call reads the Failed jobs page by
/// page for up to a minute (an HTTP call must answer) and returns where it stopped; the caller repeats with that
/// continuation until it is null. Retried jobs leave the Failed set, which does not disturb the listing's place.
/// </summary>
public sealed partial class FailedUploadRetryService(JobStore jobs, ScanRetryService retry, IOptions<IntakeOptions> options, TimeProvider clock, ILogger<FailedUploadRetryService> logger)
{
    public static readonly TimeSpan DefaultBudget = TimeSpan.FromMinutes(1);

    public const int DefaultPageSize = 200;

    private const string WouldRetry = "WouldRetry";

    /// <summary>The outcome of the retry that stopped a call: its job could not be published.</summary>
    public const string PublishFailed = "PublishFailed";

    /// <summary>
    /// The outcome of the retry that a vanished job table cut short: whether its ScanJob went out before the table was
    /// found missing is not known.
    /// </summary>
    public const string JobTableMissing = "JobTableMissing";

    /// <summary>
    /// The outcome of the retry that storage cut short for a passing reason: whether its ScanJob went out before is not
    /// known (the scan is Failed still, or no longer among the Failed ones when it did).
    /// </summary>
    public const string StorageUnavailable = "StorageUnavailable";

    /// <summary>Starting over is safe: the jobs retried by earlier calls have left the Failed set.</summary>
    private const string RefusedContinuation = "'continuation': " + JobListContinuation.NotIssued + " Repeat the call without it to start over.";

    private readonly IntakeOptions settings = options.Value;

    public Task<FailedUploadRetryResult> RunAsync(FailedUploadRetryRequest request, CancellationToken cancellationToken) =>
        RunAsync(request, DefaultBudget, DefaultPageSize, cancellationToken);

    public async Task<FailedUploadRetryResult> RunAsync(FailedUploadRetryRequest request, TimeSpan budget, int pageSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var codes = request.ValidatedErrorCodes();
        var started = clock.GetTimestamp();
        int examined = 0, matched = 0;
        var outcomes = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var scanIds = new List<string>();
        string? place = CallersPlace(request.Since, request.Continuation);
        bool atCallersPlace = place is not null;
        do
        {
            var pageStart = place;
            JobPage page;
            try
            {
                page = await jobs.ListAsync(JobState.Failed, request.Since, place, pageSize, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (e.Status == 400 && atCallersPlace)
            {
                // Well-formed base64url around a place the table does not know (edited, stale, or from another listing).
                // Only the caller's own token is its fault: nothing was retried yet, and the places the table handed out
                // during this call are not the caller's to answer for.
                throw new InvalidRetryRequestException(RefusedContinuation, e);
            }
            catch (JobTableMissingException e)
            {
                throw new FailedUploadRetryTableMissingException(Done(pageStart), e);
            }
            catch (Exception e) when (TransientStorageFailure.Of(e, cancellationToken) is { } failure)
            {
                throw new FailedUploadRetryStorageUnavailableException(Done(pageStart), failure, e);
            }

            atCallersPlace = false;
            logger.LogUnreadable("Retry of failed uploads", page);
            foreach (var record in page.Jobs)
            {
                examined++;
                if (record.ModelVersion != settings.ModelVersion || record.Origin != JobOrigin.Upload || record.ErrorCode is not { } code || !codes.Contains(code))
                {
                    continue;
                }

                matched++;
                string outcome;
                try
                {
                    outcome = request.DryRun ? WouldRetry : (await retry.RetryAsync(record, cancellationToken).ConfigureAwait(false)).Outcome.ToString();
                }
                catch (JobPublishFailedException e)
                {
                    // Messaging is failing: the rest would fail the same way. The caller gets what was done and where to
                    // go on from: this page's start, which still lists this scan (Failed again) and the ones after it.
                    outcomes[PublishFailed] = outcomes.GetValueOrDefault(PublishFailed) + 1;
                    LogStopped(examined, matched, scanIds.Count, e.Cause);
                    throw new FailedUploadRetryInterruptedException(Done(pageStart), e);
                }
                catch (JobTableMissingException e)
                {
                    // The table vanished under the call (deleted, or a redeployment dropped it): jobs may have been
                    // retried already, and the caller must learn which and where to go on from once it is restored.
                    outcomes[JobTableMissing] = outcomes.GetValueOrDefault(JobTableMissing) + 1;
                    throw new FailedUploadRetryTableMissingException(Done(pageStart), e);
                }
                catch (Exception e) when (TransientStorageFailure.Of(e, cancellationToken) is { } failure)
                {
                    // As a vanished table: the rest would meet the same storage, and the caller must learn what was done.
                    outcomes[StorageUnavailable] = outcomes.GetValueOrDefault(StorageUnavailable) + 1;
                    throw new FailedUploadRetryStorageUnavailableException(Done(pageStart), failure, e);
                }

                outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
                if (outcome is WouldRetry or nameof(RetryOutcome.Resubmitted))
                {
                    scanIds.Add(record.ScanId);
                }
            }

            place = page.ContinuationToken;
        }
        while (place is not null && clock.GetElapsedTime(started) < budget);

        LogRun(examined, matched, scanIds.Count, request.DryRun, place is null);
        return Done(place);

        // What the call did so far, and where a call goes on from: a place in the listing of Failed jobs, or the start.
        FailedUploadRetryResult Done(string? from) =>
            new(examined, matched, outcomes, scanIds, JobListContinuation.Encode(JobState.Failed, request.Since, from), request.DryRun);
    }

    /// <summary>The table's place behind the caller's continuation (as <c>GET /api/scans</c> hands out for Failed jobs since the same time).</summary>
    private static string? CallersPlace(DateTimeOffset? since, string? continuation)
    {
        try
        {
            return JobListContinuation.Decode(JobState.Failed, since, continuation);
        }
        catch (FormatException e)
        {
            throw new InvalidRetryRequestException(RefusedContinuation, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Retry of failed uploads stopped after {Examined} Failed jobs read, {Matched} matched, {Retried} retried: a job could not be published ({Cause})")]
    private partial void LogStopped(int examined, int matched, int retried, string cause);

    [LoggerMessage(Level = LogLevel.Information, Message = "Retry of failed uploads: {Examined} Failed jobs read, {Matched} matched, {Retried} retried (dry run {DryRun}, done {Done})")]
    private partial void LogRun(int examined, int matched, int retried, bool dryRun, bool done);
}
