using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Synomaly.Contracts;
using Synomaly.Functions.Options;
using Synomaly.Functions.Services.Archive;
using Synomaly.Functions.Services.Bulk;
using Synomaly.Functions.Services.Sweeps;
using Synomaly.Storage.Jobs;

namespace Synomaly.Functions.Services.Jobs;

/// <summary>What one expiry sweep saw and did.</summary>
/// <param name="Examined">Queued or Processing records not written for longer than the expiry period.</param>
/// <param name="Expired">Scan ids whose job this sweep moved to Failed (Expired).</param>
/// <param name="Complete">False when the time budget ran out first; the next sweep goes on where this one stopped.</param>
public sealed record ExpirySweepResult(int Examined, IReadOnlyList<string> Expired, bool Complete);

/// <summary>
/// Ends jobs that no worker will ever finish. A ScanJob message lives for the queue's time to live (Service Bus
/// dead-letters it after that, unseen by the worker), and a record that was never published has no message at all; in
/// both cases the record would otherwise stay Queued or Processing forever (a worker pool down for days, a bulk backlog
/// larger than the time to live, a reservation whose publisher died). Each sweep fails, with the code
/// <see cref="JobRecord.ExpiredErrorCode"/> and a reason, every Queued or Processing record that nothing has written for
/// the time to live plus a grace period, counted from when its message became visible if that is later. Every worker
/// step writes the record (start, each redelivery, the outcome), so a job in progress is never that quiet. The write is
/// ETag-checked: a worker that touches the record first wins. Expired is no verdict on the file, so a new upload,
/// a reprocessing run or the upload reconciliation (inside its lookback) submits such a job again.
/// <para>
/// The table service filters by state and last write, but it does so by scanning the table: on a large table a listing
/// can return many pages with few or no records. So a sweep checks its time budget after every page, not only after
/// every record, and saves its place (<see cref="SweepCursorStore"/>); the next sweep goes on from there, and several
/// sweeps make one pass. A place is a key position, so a resumed listing under a later cut-off misses nothing that the
/// next pass does not see.
/// </para>
/// </summary>
public sealed partial class JobExpirySweeper(JobStore jobs, SweepCursorStore cursors, ArchiveSourceForgetter sourceForgetter, IOptions<JobExpiryOptions> options, TimeProvider clock, ILogger<JobExpirySweeper> logger)
{
    /// <summary>Time one sweep may take: the function timeout is 5 minutes (host.json), and a large table takes several sweeps.</summary>
    public static readonly TimeSpan DefaultBudget = TimeSpan.FromMinutes(3);

    /// <summary>The states a job can be left in by a message that expired; listed in this order.</summary>
    private static readonly JobState[] ListedStates = [JobState.Queued, JobState.Processing];

    private readonly JobExpiryOptions settings = options.Value;

    public Task<ExpirySweepResult> RunAsync(CancellationToken cancellationToken) => RunAsync(DefaultBudget, JobStore.MaxPageSize, cancellationToken);

    public async Task<ExpirySweepResult> RunAsync(TimeSpan budget, int pageSize, CancellationToken cancellationToken)
    {
        var started = clock.GetTimestamp();
        var quietSince = clock.GetUtcNow() - settings.ExpiresAfter;
        int examined = 0;
        var expired = new List<string>();
        var (place, placeKept) = await SavedPlaceAsync(cancellationToken).ConfigureAwait(false);
        while (place is not null)
        {
            var page = await jobs.ListAsync(place.State, continuationToken: place.Token, pageSize: pageSize, modifiedBefore: quietSince, cancellationToken: cancellationToken).ConfigureAwait(false);
            logger.LogUnreadable("Job expiry sweep", page);
            foreach (var record in page.Jobs)
            {
                examined++;
                if (LastActivity(record) < quietSince && await ExpireAsync(record, cancellationToken).ConfigureAwait(false))
                {
                    expired.Add(record.ScanId);
                    LogExpired(record.ScanId, record.ModelVersion, place.State, settings.MessageTimeToLiveHours);
                }
            }

            place = NextPlace(place.State, page.ContinuationToken);
            // The page is done: an interrupted sweep repeats at most the page after the saved place (expiry is ETag-checked).
            if (place is not null && clock.GetElapsedTime(started) > budget)
            {
                if (placeKept)
                {
                    await cursors.SetAsync(SweepCursorStore.JobExpiry, place.Format(), cancellationToken).ConfigureAwait(false);
                }

                LogOutOfTime(examined, expired.Count);
                return new ExpirySweepResult(examined, expired, Complete: false);
            }
        }

        if (placeKept)
        {
            await cursors.SetAsync(SweepCursorStore.JobExpiry, null, cancellationToken).ConfigureAwait(false);
        }

        LogSweep(examined, expired.Count);
        return new ExpirySweepResult(examined, expired, Complete: true);
    }

    /// <summary>
    /// Where the last sweep stopped, or the first state's start (also for a place no listed state matches); Kept is false
    /// when the table that keeps the place is missing: the sweep still runs (it is what fails jobs whose messages expired),
    /// from the start, and saves no place until the table is restored.
    /// </summary>
    private async Task<(ExpirySweepPlace Place, bool Kept)> SavedPlaceAsync(CancellationToken cancellationToken)
    {
        var start = new ExpirySweepPlace(ListedStates[0], null);
        try
        {
            var saved = ExpirySweepPlace.Parse(await cursors.GetAsync(SweepCursorStore.JobExpiry, cancellationToken).ConfigureAwait(false));
            return (saved is not null && ListedStates.Contains(saved.State) ? saved : start, true);
        }
        catch (BulkRunTableMissingException e)
        {
            LogPlaceTableMissing(e.TableName);
            return (start, false);
        }
    }

    /// <summary>The rest of this state's listing, else the next state's start; null after the last state's last page.</summary>
    private static ExpirySweepPlace? NextPlace(JobState state, string? continuation)
    {
        if (continuation is not null)
        {
            return new ExpirySweepPlace(state, continuation);
        }

        var next = Array.IndexOf(ListedStates, state) + 1;
        return next < ListedStates.Length ? new ExpirySweepPlace(ListedStates[next], null) : null;
    }

    /// <summary>
    /// The last moment anything happened to the job or could still happen to its message: the record's last write, or
    /// the time its message was scheduled to become visible if that is later (a throttled bulk job waits before it).
    /// </summary>
    public static DateTimeOffset LastActivity(JobRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var written = record.LastModified ?? new[] { record.CreatedAt, record.QueuedAt ?? default, record.StartedAt ?? default }.Max();
        return record.ScheduledFor is { } visible && visible > written ? visible : written;
    }

    private async Task<bool> ExpireAsync(JobRecord record, CancellationToken cancellationToken)
    {
        // A bulk job reserved after its archive file's owner deleted the file (the deletion's erasure found no record to
        // tombstone, and the run's retry no longer lists the file) names the file until now: where the file is gone, the
        // record ends as a job that found its source gone, without the name. Checked before the write: the record exists,
        // so a deletion after the check has its erasure tombstone it.
        bool sourceGone = await sourceForgetter.IsSourceGoneAsync(record, cancellationToken).ConfigureAwait(false);
        var result = await jobs.TransitionAsync(record, JobState.Failed, r => sourceGone ? sourceForgetter.WithoutSource(r) : r with
        {
            ErrorCode = JobRecord.ExpiredErrorCode,
            ErrorMessage = string.Format(
                CultureInfo.InvariantCulture,
                "Nothing finished this job within {0} hours of its last activity, so its message has expired (or was never published). POST /api/scans/{{scanId}}/retry, a new upload, or a reprocessing run of an archive scan submits it again.",
                settings.MessageTimeToLiveHours),
            FinishedAt = clock.GetUtcNow(),
        }, cancellationToken).ConfigureAwait(false);

        // Conflict: a worker or an intake wrote the record since it was listed, so the job is alive; leave it.
        return result.Succeeded;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {ScanId}/{ModelVersion} expired in state {State}: nothing finished it within {Hours} h; marked Failed (Expired)")]
    private partial void LogExpired(string scanId, string modelVersion, JobState state, int hours);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job expiry sweep out of time after {Examined} quiet jobs ({Expired} expired); the next sweep goes on from here")]
    private partial void LogOutOfTime(int examined, int expired);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job expiry sweep: the table '{TableName}' that keeps its place does not exist (an incomplete deployment or a deleted table); sweeping from the start and keeping no place until it is restored")]
    private partial void LogPlaceTableMissing(string tableName);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job expiry sweep: {Examined} quiet jobs checked, {Expired} expired")]
    private partial void LogSweep(int examined, int expired);
}
