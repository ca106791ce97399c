using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Synomaly.Contracts;
using Synomaly.Functions.Options;
using Synomaly.Functions.Services.Archive;
using Synomaly.Functions.Services.Intake;
using Synomaly.Functions.Services.Jobs;
using Synomaly.Storage.Jobs;
using Synomaly.Storage.Keys;
using Synomaly.Storage.Messaging;

namespace Synomaly.Functions.Services.Bulk;

/// <summary>
/// Reprocesses the archive: enumerates archive/{prefix} page by page, reserves a job per scan that is not already
/// queued, processing or done for the model version, publishes each page as one throttled batch, and checkpoints the
/// listing's continuation token after every page. Each page is listed only once the run's unfinished jobs leave room, and
/// cut to that room (<see cref="BulkRunWindow"/>). A restarted step resumes at the first page not checkpointed; scans of
/// a page that was half done are found reserved or published in their job records, so each is published once.
/// </summary>
public sealed partial class BulkReprocessService(
    BlobServiceClient blobs,
    BulkRunStore runs,
    JobSubmitter submitter,
    BulkRunRetry failedJobRetry,
    ArchiveSourceForgetter sourceForgetter,
    ArchiveScanIdKeyStore archiveKey,
    IScanJobPublisher publisher,
    IBulkStepQueue steps,
    BulkRunWindow window,
    BulkRunWindowPruner windowPruner,
    BulkRunStopper stopper,
    IOptions<BulkOptions> bulkOptions,
    IOptions<IntakeOptions> intakeOptions,
    TimeProvider clock,
    ILogger<BulkReprocessService> logger)
{
    /// <summary>How long one step works before it checkpoints and hands over (the Functions timeout is 5 minutes).</summary>
    public static readonly TimeSpan DefaultStepBudget = TimeSpan.FromMinutes(3);

    /// <summary>
    /// How long a run may go without progress before a new run closes it as abandoned. A working run checkpoints after
    /// every page, and its steps (at most 3 minutes each, retried a minute apart) follow one another at once; hours
    /// without a checkpoint mean that nothing works it any more.
    /// </summary>
    public static readonly TimeSpan StalledRunAge = TimeSpan.FromHours(6);

    private readonly BulkOptions bulk = bulkOptions.Value;
    private readonly IntakeOptions intake = intakeOptions.Value;

    private readonly ScanAdmissionRule admission = new(intakeOptions.Value.MaxScanBytes);

    /// <summary>Creates a run for an HTTP request and asks for its first step.</summary>
    /// <exception cref="InvalidBulkRunRequestException">The prefix, model version or retry error codes are not acceptable.</exception>
    public Task<BulkRun> StartAsync(BulkRunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var prefix = ValidatePrefix(request.Prefix);
        var modelVersion = string.IsNullOrWhiteSpace(request.ModelVersion) ? intake.ModelVersion : ValidateModelVersion(request.ModelVersion);
        var retryErrorCodes = BulkRunRetry.ValidatedCodes(request.RetryErrorCodes);
        var runId = "r-" + Guid.NewGuid().ToString("N");
        return StartHttpRunAsync(runId, prefix, modelVersion, request.DryRun, retryErrorCodes, cancellationToken);
    }

    private async Task<BulkRun> StartHttpRunAsync(string runId, string prefix, string modelVersion, bool dryRun, IReadOnlyList<string> retryErrorCodes, CancellationToken cancellationToken)
    {
        try
        {
            return await CreateAndEnqueueAsync(runId, prefix, modelVersion, dryRun, retryErrorCodes, BulkRunTrigger.Http, cancellationToken).ConfigureAwait(false);
        }
        catch (BulkRunNotStartedException)
        {
            // Unlike a timer tick, nobody will ever start this random id again: the caller gets a 503 and posts a new
            // run. Left in the table, the record would show a run Pending for ever that nothing works.
            await ForgetUnstartedRunAsync(runId).ConfigureAwait(false);
            throw;
        }
        catch (OperationCanceledException)
        {
            // The caller went away (or the host is stopping) between recording the run and queuing its first step: the
            // same as a failed queue write for this random id. Should the step have reached the queue all the same, it
            // finds no run and does nothing.
            await ForgetUnstartedRunAsync(runId).ConfigureAwait(false);
            throw;
        }
    }

    private async Task ForgetUnstartedRunAsync(string runId)
    {
        try
        {
            await runs.DeleteUnstartedAsync(runId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (BestEffortStorageFailure.Of(e, CancellationToken.None) is { } failure)
        {
            // Best effort: the caller hears why the run did not start, not that removing its record failed.
            LogUnstartedNotRemoved(runId, failure.Status);
        }
    }

    /// <summary>
    /// Creates (or finds) the run of a timer occurrence over the whole archive. The occurrence, to the minute, names the
    /// run, so a repeated, retried or past-due tick for the same occurrence finds the run that is already going rather
    /// than starting another.
    /// </summary>
    /// <param name="occurrence">
    /// The schedule occurrence the tick stands for (the timer's ScheduleStatus.Next, also on a late tick); null, or a time
    /// still ahead (a tick at start-up), names the run after the current minute.
    /// </param>
    public Task<BulkRun> StartScheduledAsync(DateTimeOffset? occurrence, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        // The timer may fire up to a second before its occurrence (clock skew); that still names the occurrence.
        var named = occurrence is { } due && due <= now + TimeSpan.FromMinutes(1) ? due : now;
        var runId = "scheduled-" + named.UtcDateTime.ToString("yyyyMMdd-HHmm", CultureInfo.InvariantCulture);
        // The nightly run resubmits no failure: which ones are no verdict on their file is the caller's call (POST /api/reprocess).
        return CreateAndEnqueueAsync(runId, "", intake.ModelVersion, dryRun: false, retryErrorCodes: [], BulkRunTrigger.Timer, cancellationToken);
    }

    public Task<BulkRun?> GetAsync(string runId, CancellationToken cancellationToken) => runs.GetAsync(runId, cancellationToken);

    /// <summary>
    /// The run as <c>GET /api/reprocess/{runId}</c> shows it, its outstanding jobs looked up now (<see
    /// cref="BulkRunWindow.StillOutstandingAsync"/>): the list in its record is the one its last step saw, and no step
    /// looks again once the run is over, while its last jobs often still run. A run that is over keeps what this found
    /// (<see cref="BulkRunWindowPruner"/>), so that each of its jobs is read once after it ended, not at every call. Null
    /// when there is no such run.
    /// </summary>
    /// <exception cref="JobTableMissingException">The job table does not exist.</exception>
    public async Task<BulkRunProgress?> GetProgressAsync(string runId, CancellationToken cancellationToken)
    {
        var run = await runs.GetAsync(runId, cancellationToken).ConfigureAwait(false);
        if (run is null)
        {
            return null;
        }

        var unfinished = run.Outstanding.Count == 0 ? run.Outstanding : await window.StillOutstandingAsync(run, cancellationToken).ConfigureAwait(false);
        var now = clock.GetUtcNow();
        // Jobs that ended since the last step looked move the window now, as the next step will record.
        var moved = unfinished.Count < run.Outstanding.Count ? now : run.WindowMovedAt;
        // Once the run is over no step prunes its window: this GET does, so that the next ones read only the jobs still unfinished.
        await windowPruner.PruneIfOverAsync(run, unfinished, moved, cancellationToken).ConfigureAwait(false);
        return BulkRunProgress.From(run with { Outstanding = unfinished, WindowMovedAt = moved }, now);
    }

    /// <summary>
    /// The step a <c>bulk-reprocess</c> message asks for (the queue trigger and the local host). Without one of its tables
    /// a step cannot work, and thrown, each of the message's 10 dequeues failed the same way into
    /// <c>bulk-reprocess-poison</c> with no log naming the table. The message holds only the run id;
    /// the run itself is in the bulk run table. So the step logs one Error naming the table and completes: without the
    /// bulk run table the run's record is gone with it; without the job table the step closes the run at once as
    /// <see cref="BulkRunState.Stopped"/> (<see cref="BulkRunStopReason.JobTableMissing"/>), so that <c>GET
    /// /api/reprocess/{runId}</c> says so instead of showing it open for the 6 hours until a later run closed it
    /// abandoned; a later run (the nightly one, or <c>POST /api/reprocess</c>) covers its scans.
    /// </summary>
    public async Task ContinueQueuedAsync(string runId, CancellationToken cancellationToken)
    {
        try
        {
            await ContinueAsync(runId, DefaultStepBudget, cancellationToken).ConfigureAwait(false);
        }
        catch (BulkRunTableMissingException e)
        {
            LogStepWithoutRunTable(runId, e.TableName);
        }
        catch (JobTableMissingException e)
        {
            var detail = $"The job table '{e.TableName}' does not exist in the storage account this app is connected to (an incomplete deployment or a deleted table): no scan can be reserved. Once the table is restored, a new run (POST /api/reprocess, or the scheduled one) covers this run's scans.";
            LogStepWithoutJobTable(runId, e.TableName, await StopAsync(runId, BulkRunStopReason.JobTableMissing, detail).ConfigureAwait(false));
        }
    }

    /// <summary>Closes an open run as <see cref="BulkRunState.Stopped"/> (<see cref="BulkRunStopper"/>); whether this call closed it.</summary>
    private async Task<bool> StopAsync(string runId, BulkRunStopReason reason, string detail) =>
        await stopper.StopAsync(runId, reason, detail, CancellationToken.None).ConfigureAwait(false) == BulkRunStopOutcome.Stopped;

    /// <summary>
    /// One step of a run, then a request for the next step if the budget ran out before the end (at once), or if the run
    /// has no room for its next page (after <see cref="BulkRunWindow.PollInterval"/>).
    /// </summary>
    public async Task<BulkStepResult> ContinueAsync(string runId, TimeSpan budget, CancellationToken cancellationToken)
    {
        var result = await RunStepAsync(runId, budget, cancellationToken).ConfigureAwait(false);
        if (result.Outcome == BulkStepOutcome.Paused)
        {
            await steps.EnqueueAsync(runId, TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
        }
        else if (result.Outcome == BulkStepOutcome.Waiting)
        {
            // The queue holds the next look at the window, not this function: a run can wait for its jobs for hours.
            await steps.EnqueueAsync(runId, BulkRunWindow.PollInterval, cancellationToken).ConfigureAwait(false);
        }

        return result;
    }

    /// <summary>Works on a run from its checkpoint until it is complete or <paramref name="budget"/> has passed.</summary>
    public async Task<BulkStepResult> RunStepAsync(string runId, TimeSpan budget, CancellationToken cancellationToken)
    {
        var run = await runs.GetAsync(runId, cancellationToken).ConfigureAwait(false);
        if (run is null)
        {
            return new BulkStepResult(BulkStepOutcome.NotFound, null);
        }

        if (run.State == BulkRunState.Completed)
        {
            return new BulkStepResult(BulkStepOutcome.Completed, run);
        }

        if (run.State == BulkRunState.Abandoned)
        {
            // A later run closed it while this step's message waited (the app was down for hours): that run covers its scans.
            return new BulkStepResult(BulkStepOutcome.Abandoned, run);
        }

        if (run.State == BulkRunState.Stopped)
        {
            // An earlier step closed it (a duplicate of its message comes late): a later run covers its scans.
            return new BulkStepResult(BulkStepOutcome.Stopped, run);
        }

        var watch = Stopwatch.StartNew();
        // Before the first record is written: a key that cannot be read fails the step (ArchiveScanIdKeyUnavailableException,
        // retried by the queue trigger) rather than letting a page's jobs be filed under ids of another key.
        var key = await archiveKey.GetAsync(cancellationToken).ConfigureAwait(false);
        // Back-pressure: each page is listed only once the run's unfinished jobs leave room, and cut to that room.
        var (ready, pageSize) = await window.RoomAsync(run, cancellationToken).ConfigureAwait(false);
        if (pageSize == 0)
        {
            return await PauseForRoomAsync(ready, run.Outstanding.Count).ConfigureAwait(false);
        }

        run = ready;
        var container = blobs.GetBlobContainerClient(BlobLayout.ArchiveContainer);
        await foreach (var (page, startedOver) in PagesFromCheckpointAsync(container, run, () => pageSize, cancellationToken).ConfigureAwait(false))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var counts = await ProcessPageAsync(run, container, key, page.Values, cancellationToken).ConfigureAwait(false);
            // The page's publishing saved the schedule as it went (a new ETag); the checkpoint builds on that.
            run = counts.Run;
            // A listing that started over from the top counts from zero again (scans this run published before count again
            // as published, once), so that the counts stay those of one pass.
            var counted = startedOver ? run with { Pages = 0, Listed = 0, Published = 0, Skipped = 0, Rejected = 0 } : run;
            var continuation = string.IsNullOrEmpty(page.ContinuationToken) ? null : page.ContinuationToken;
            var now = clock.GetUtcNow();
            var next = counted with
            {
                Continuation = continuation,
                State = continuation is null ? BulkRunState.Completed : BulkRunState.Running,
                Pages = counted.Pages + 1,
                Listed = counted.Listed + page.Values.Count,
                Published = counted.Published + counts.Published,
                Skipped = counted.Skipped + counts.Skipped,
                Rejected = counted.Rejected + counts.Rejected,
                Outstanding = BulkRunWindow.With(counted.Outstanding, counts.PublishedEarlier),
                UpdatedAt = now,
                WindowMovedAt = now,
                FinishedAt = continuation is null ? now : null,
            };

            // The checkpoint is written even when cancelled: the page's messages are out and must not be sent again.
            var stored = await runs.TryReplaceAsync(run, next, CancellationToken.None).ConfigureAwait(false);
            if (stored is null)
            {
                // The page's jobs are out: a run closed meanwhile counts them rather than leaving them out for good.
                return EndedUnderStep(runId, await BulkRunClosedUnderStep.CountPageAsync(runs, run, next).ConfigureAwait(false));
            }

            run = stored;
            if (run.State == BulkRunState.Completed)
            {
                break;
            }

            if (watch.Elapsed >= budget)
            {
                LogPaused(runId, run.Pages, run.Published);
                return new BulkStepResult(BulkStepOutcome.Paused, run);
            }

            (ready, pageSize) = await window.RoomAsync(run, cancellationToken).ConfigureAwait(false);
            if (pageSize == 0)
            {
                return await PauseForRoomAsync(ready, run.Outstanding.Count).ConfigureAwait(false);
            }

            run = ready;
        }

        if (run.State != BulkRunState.Completed)
        {
            // A listing that yields no page at all.
            var done = clock.GetUtcNow();
            if (await runs.TryReplaceAsync(run, run with { State = BulkRunState.Completed, UpdatedAt = done, FinishedAt = done }, CancellationToken.None).ConfigureAwait(false) is not { } completed)
            {
                return EndedUnderStep(runId, await runs.GetAsync(runId, CancellationToken.None).ConfigureAwait(false));
            }

            run = completed;
        }

        LogCompleted(runId, run.Listed, run.Published, run.Skipped, run.Rejected);
        return new BulkStepResult(BulkStepOutcome.Completed, run);
    }

    /// <summary>
    /// The end of a step whose write lost to another writer of the run, told by how the run stands now: closed under the
    /// step (Stopped or Abandoned, with what the step published counted in it, <see cref="BulkRunClosedUnderStep"/>),
    /// which the outcome and the log say, rather than "completed" or a duplicate step; removed meanwhile (NotFound: no
    /// step moved it); otherwise moved by another step (Contended).
    /// </summary>
    private BulkStepResult EndedUnderStep(string runId, BulkRun? current)
    {
        if (current is null)
        {
            LogRemovedUnderStep(runId);
            return new BulkStepResult(BulkStepOutcome.NotFound, null);
        }

        if (current is { State: BulkRunState.Stopped or BulkRunState.Abandoned })
        {
            LogClosedUnderStep(runId, current.State, current.StopReason, current.Published, current.Outstanding.Count);
            return new BulkStepResult(current.State == BulkRunState.Stopped ? BulkStepOutcome.Stopped : BulkStepOutcome.Abandoned, current);
        }

        LogContended(runId);
        return new BulkStepResult(BulkStepOutcome.Contended, current);
    }

    /// <summary>
    /// The archive's pages from the run's checkpoint, each with whether the listing started over. A place the service no
    /// longer accepts (Azure refuses a marker that went stale as blobs came and went, with 400) would fail every retry of
    /// the step until the message is poisoned: the listing starts over from the top instead, as the upload reconciliation's
    /// does. Only the error code is logged: a marker holds a blob name.
    /// </summary>
    /// <param name="pageSize">The size of the next page, asked before each is listed: the run's window sets it.</param>
    private async IAsyncEnumerable<(Page<BlobItem> Page, bool StartedOver)> PagesFromCheckpointAsync(
        BlobContainerClient container, BulkRun run, Func<int> pageSize, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // One listing call per page, each from the last page's place: the window may cut every page to another size.
        async Task<Page<BlobItem>?> PageAtAsync(string? place)
        {
            var pages = container.GetBlobsAsync(new GetBlobsOptions { Prefix = run.Prefix }, cancellationToken).AsPages(place, pageSize()).GetAsyncEnumerator(cancellationToken);
            await using (pages.ConfigureAwait(false))
            {
                return await pages.MoveNextAsync().ConfigureAwait(false) ? pages.Current : null;
            }
        }

        var place = string.IsNullOrEmpty(run.Continuation) ? null : run.Continuation;
        bool restartable = place is not null, startedOver = false;
        while (true)
        {
            Page<BlobItem>? page;
            try
            {
                page = await PageAtAsync(place).ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (restartable && e.Status == 400)
            {
                LogListingPlaceRefused(run.RunId, e.ErrorCode);
                place = null;
                restartable = false;
                startedOver = true;
                continue;
            }

            if (page is null)
            {
                yield break;
            }

            restartable = false;
            yield return (page, startedOver);
            startedOver = false;
            if (string.IsNullOrEmpty(page.ContinuationToken))
            {
                yield break;
            }

            place = page.ContinuationToken;
        }
    }

    /// <summary>
    /// Ends a step whose run has no room for its next page: records that it looked (with the outstanding jobs as found),
    /// so that a run waiting for its jobs reads as working, not stalled or abandoned, and hands over to the next step,
    /// which <see cref="ContinueAsync"/> asks for after <see cref="BulkRunWindow.PollInterval"/>. Fewer unfinished jobs than
    /// <paramref name="outstandingBefore"/> (the step before found) mean the window moves, slowly (<see cref="BulkRun.WindowMovedAt"/>).
    /// </summary>
    private async Task<BulkStepResult> PauseForRoomAsync(BulkRun run, int outstandingBefore)
    {
        var now = clock.GetUtcNow();
        // A record written before WindowMovedAt was kept starts the clock at its first look.
        var moved = run.Outstanding.Count < outstandingBefore || run.WindowMovedAt is null ? now : run.WindowMovedAt;
        var stored = await runs.TryReplaceAsync(run, run with { UpdatedAt = now, WindowMovedAt = moved }, CancellationToken.None).ConfigureAwait(false);
        if (stored is null)
        {
            return EndedUnderStep(run.RunId, await runs.GetAsync(run.RunId, CancellationToken.None).ConfigureAwait(false));
        }

        LogWaitingForJobs(run.RunId, stored.Outstanding.Count, bulk.MaxOutstandingJobs, BulkRunWindow.PollInterval.TotalSeconds);
        return new BulkStepResult(BulkStepOutcome.Waiting, stored);
    }

    private async Task<BulkRun> CreateAndEnqueueAsync(
        string runId, string prefix, string modelVersion, bool dryRun, IReadOnlyList<string> retryErrorCodes, BulkRunTrigger trigger, CancellationToken cancellationToken)
    {
        await runs.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        await AbandonStalledRunsAsync(runId, cancellationToken).ConfigureAwait(false);
        var (run, created) = await runs.CreateAsync(new BulkRun
        {
            RunId = runId,
            Prefix = prefix,
            ModelName = intake.ModelName,
            ModelVersion = modelVersion,
            DryRun = dryRun,
            RetryErrorCodes = retryErrorCodes,
            Trigger = trigger,
            State = BulkRunState.Pending,
            CreatedAt = clock.GetUtcNow(),
        }, cancellationToken).ConfigureAwait(false);
        // A new run gets its first step, and so does a run found Pending whose step never reached the queue (the queue
        // write failed, or the process died before it): without one nothing would ever work it. A run whose step is
        // queued gets no second one, which would work the same page at once.
        if (created || (run.State == BulkRunState.Pending && run.Pages == 0 && !await runs.IsFirstStepQueuedAsync(runId, cancellationToken).ConfigureAwait(false)))
        {
            await EnqueueFirstStepAsync(runId, cancellationToken).ConfigureAwait(false);
        }

        LogStarted(runId, trigger, dryRun);
        return run;
    }

    /// <summary>
    /// Closes the runs that made no progress for <see cref="StalledRunAge"/>: state Abandoned, listing place cleared. A run
    /// that no step works (the app ran none for hours, or its poisoned step message could not close it,
    /// <see cref="BulkStepPoisonHandler"/>) stays Running, and its checkpoint, the
    /// listing's marker, holds the name of the next archive blob (plain on Azurite, base64 in Azure), which no erasure
    /// reaches in this table. The run being started covers their scans. Each close is ETag-checked, so a run that made
    /// progress meanwhile stays open; a table that fails here does not keep the new run from starting.
    /// </summary>
    private async Task AbandonStalledRunsAsync(string startingRunId, CancellationToken cancellationToken)
    {
        var stalledSince = clock.GetUtcNow() - StalledRunAge;
        try
        {
            foreach (var stalled in await runs.ListUnfinishedAsync(cancellationToken).ConfigureAwait(false))
            {
                if (stalled.RunId == startingRunId || (stalled.UpdatedAt ?? stalled.CreatedAt) >= stalledSince)
                {
                    continue;
                }

                var now = clock.GetUtcNow();
                var lastProgress = stalled.UpdatedAt ?? stalled.CreatedAt;
                var detail = FormattableString.Invariant(
                    $"No step made progress for {StalledRunAge.TotalHours} hours (the last at {lastProgress:O}): the app ran no steps, or its step message went to bulk-reprocess-poison and closing the run then failed. Run {startingRunId} covers its scans.");
                var closed = stalled with
                {
                    State = BulkRunState.Abandoned, Continuation = null, StopReason = BulkRunStopReason.NoProgress, StopDetail = detail, UpdatedAt = now, FinishedAt = now,
                };
                if (await runs.TryReplaceAsync(stalled, closed, cancellationToken).ConfigureAwait(false) is not null)
                {
                    LogAbandoned(stalled.RunId, stalled.Pages, stalled.UpdatedAt ?? stalled.CreatedAt, startingRunId);
                }
            }
        }
        catch (Exception e) when (BestEffortStorageFailure.Of(e, cancellationToken) is { } failure)
        {
            LogAbandonFailed(startingRunId, failure.Status, failure.ErrorCode);
        }
    }

    private async Task EnqueueFirstStepAsync(string runId, CancellationToken cancellationToken)
    {
        try
        {
            await steps.EnqueueAsync(runId, TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Only the caller's cancellation passes on as one. Azure.Core ends a queue write that outlasted its network
            // timeout with a TaskCanceledException too (TransientStorageFailure): let pass, it answered storage-unavailable
            // for a run whose record the start had just removed, where the same outage in an AggregateException answers
            // run-not-started naming the run. Any other error is a failed write even once the caller has gone: the SDK
            // ends a write cancelled after network faults with an AggregateException, which neither catch of the HTTP
            // start takes, and the run's record stayed Pending for ever.
            throw new BulkRunNotStartedException(runId, e);
        }

        try
        {
            await runs.MarkFirstStepQueuedAsync(runId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (BestEffortStorageFailure.Of(e, CancellationToken.None) is { } failure)
        {
            // The step is queued and will run; a missing mark only lets a repeated start queue a duplicate step, which
            // ends Contended at its first checkpoint.
            LogMarkFailed(runId, failure.Status);
        }
    }

    private async Task<PageCounts> ProcessPageAsync(BulkRun run, BlobContainerClient container, ArchiveScanIdKey key, IReadOnlyList<BlobItem> items, CancellationToken cancellationToken)
    {
        long skipped = 0, rejected = 0;
        var publishedEarlier = new List<string>();
        var reserved = new List<Reservation>();
        var wouldPublish = 0;
        foreach (var item in items)
        {
            var job = new ScanJob
            {
                ScanId = BlobLayout.ArchiveScanId(item.Name, key),
                SourceBlobUri = container.GetBlobClient(item.Name).Uri,
                SourceETag = item.Properties.ETag?.ToString() ?? "",
                SourceContentMd5 = ContentMd5.Of(item.Properties.ContentHash),
                ModelName = run.ModelName,
                ModelVersion = run.ModelVersion,
                Origin = JobOrigin.Bulk,
                CorrelationId = run.RunId,
                SubmittedAt = clock.GetUtcNow(),
            };

            // Intake's rule: a file the worker cannot read or would refuse ends Failed here rather than on the worker.
            if (admission.Check(item.Properties) is { } rejection)
            {
                rejected++;
                if (!run.DryRun && await submitter.RejectAsync(RejectedRecord(job, run, rejection, item.Properties), cancellationToken).ConfigureAwait(false) is { } recorded)
                {
                    // The owner may have deleted the file since the listing, and its deletion's erasure found no record
                    // then: the check after the write drops the name that this record would otherwise keep for good.
                    await sourceForgetter.ForgetIfGoneAsync(recorded, cancellationToken).ConfigureAwait(false);
                }

                continue;
            }

            // A run that names error codes resubmits jobs Failed for this version with one of them.
            var (submitted, retryFailed) = await failedJobRetry.DecideAsync(job, run, cancellationToken).ConfigureAwait(false);
            if (run.DryRun)
            {
                if (retryFailed || await submitter.PreviewAsync(submitted, cancellationToken).ConfigureAwait(false) is null)
                {
                    wouldPublish++;
                }
                else
                {
                    skipped++;
                }

                continue;
            }

            var reservation = await submitter.ReserveAsync(submitted, run.RunId, cancellationToken, retryFailed).ConfigureAwait(false);
            if (reservation.MustPublish)
            {
                reserved.Add(reservation);
            }
            else if (reservation.Record.IsPublished && reservation.Record.RunId == run.RunId)
            {
                // Published by this very run: an earlier attempt at this page (its step failed part way through the
                // publishing and was retried) sent it before the page's checkpoint, which holds the counts.
                publishedEarlier.Add(reservation.Record.ScanId);
            }
            else
            {
                skipped++;
            }
        }

        if (run.DryRun || reserved.Count == 0)
        {
            return new PageCounts(run, wouldPublish + publishedEarlier.Count, skipped, rejected, publishedEarlier);
        }

        // Last point where an interruption leaves nothing half sent: records are reserved, not yet published.
        cancellationToken.ThrowIfCancellationRequested();
        var now = clock.GetUtcNow();
        var visibleAt = run.NextVisibleAt is { } planned && planned > now ? planned : now;
        // A page larger than the rate goes out in slices of one minute's worth, each visible a minute after the last, so
        // that no minute sees more than Bulk:MessagesPerMinute jobs whatever the batch size.
        int perMinute = bulk.MessagesPerMinute;
        for (int first = 0; first < reserved.Count; first += perMinute)
        {
            var slice = reserved.Skip(first).Take(perMinute).ToList();
            var sliceVisibleAt = visibleAt + TimeSpan.FromMinutes((double)first / perMinute);
            DateTimeOffset? scheduledFor = sliceVisibleAt > now ? sliceVisibleAt : null;
            var sliceEnd = sliceVisibleAt + TimeSpan.FromMinutes((double)slice.Count / perMinute);
            try
            {
                // Joined to the window before they go out: a step that dies between the publish and the schedule's save
                // (killed, timed out) left them out of it, and a run whose retry listed other files, or that was closed
                // meanwhile, undercounted its jobs for good. One that never goes out counts until its retry publishes it,
                // or the expiry sweep ends its reservation: more back-pressure, never less.
                run = await RecordOutstandingAsync(run, [.. slice.Select(r => r.Job!.ScanId)]).ConfigureAwait(false);
                await publisher.PublishBatchAsync([.. slice.Select(r => r.Job!)], scheduledFor, CancellationToken.None).ConfigureAwait(false);
            }
            catch (ScanJobBatchPartlySentException partly)
            {
                // Part of the slice is on the queue (a Storage Queue sends one message at a time): confirmed now, those are
                // found published by the step's retry, which sends only the rest, instead of a second ScanJob for each. The
                // slice keeps its whole minute, so that the rest, scheduled after it, do not join the part already out.
                var sent = partly.Sent.Select(j => j.MessageId).ToHashSet(StringComparer.Ordinal);
                await RecordPartlySentAsync(run, [.. slice.Where(r => sent.Contains(r.Job!.MessageId))], scheduledFor, sliceEnd).ConfigureAwait(false);
                await ForgetGoneSourcesAsync(reserved.Skip(first).Where(r => !sent.Contains(r.Job!.MessageId))).ConfigureAwait(false);
                throw;
            }
            catch (Exception)
            {
                // The step fails and its retry starts the page again, whose listing no longer has a file deleted meanwhile:
                // that file's reservation would only end in the expiry sweep, two days on, naming the file until then.
                await ForgetGoneSourcesAsync(reserved.Skip(first)).ConfigureAwait(false);
                throw;
            }

            foreach (var reservation in slice)
            {
                await submitter.ConfirmPublishedAsync(reservation, scheduledFor, CancellationToken.None).ConfigureAwait(false);
            }

            run = await SaveScheduleAsync(run, sliceEnd).ConfigureAwait(false);
        }

        return new PageCounts(run, reserved.Count + publishedEarlier.Count, skipped, rejected, publishedEarlier);
    }

    /// <summary>
    /// Confirms the reservations whose jobs a failed batch publish reports as sent, then saves the slice's schedule. Best
    /// effort, as <see cref="ForgetGoneSourcesAsync"/>: the caller checks the unsent jobs' sources and rethrows the
    /// partly-sent error after it, and a storage failure thrown from here (the SDK giving up on network faults, a table
    /// deleted meanwhile) replaced that error and skipped the check. Left unrecorded, the part sent may go out a second
    /// time with the step's retry, and the rest be scheduled from the last schedule saved, into the minute of that part:
    /// the Warning says so. A second copy costs a delivery, not a second run: the worker completes a copy whose job
    /// another copy has started (Processing, <c>JobOutcome.Duplicate</c>) or finished (Succeeded: <c>AlreadyDone</c>;
    /// Failed: dead-lettered with the record's reason) without running the model or writing results. Storage is failing, so the first failure ends it rather than each write waiting out the
    /// SDK's retries in turn.
    /// </summary>
    private async Task RecordPartlySentAsync(BulkRun run, IReadOnlyList<Reservation> sent, DateTimeOffset? scheduledFor, DateTimeOffset sliceEnd)
    {
        try
        {
            foreach (var reservation in sent)
            {
                await submitter.ConfirmPublishedAsync(reservation, scheduledFor, CancellationToken.None).ConfigureAwait(false);
            }

            await SaveScheduleAsync(run, sliceEnd).ConfigureAwait(false);
        }
        catch (Exception e) when (BestEffortStorageFailure.Of(e, CancellationToken.None) is { } failure)
        {
            LogPartlySentUnrecorded(run.RunId, failure.Status, failure.ErrorCode);
        }
    }

    /// <summary>
    /// Checks the sources of reservations whose message did not go out. Best effort: should storage fail here too, the
    /// expiry sweep checks them again when it ends the reservations. The caller rethrows the publish error after it, so
    /// no storage failure may escape from here (<see cref="BestEffortStorageFailure"/>): the SDK giving up on network
    /// faults, an AggregateException, and a job table deleted meanwhile, a JobTableMissingException, went past a catch of
    /// RequestFailedException and replaced that error.
    /// </summary>
    private async Task ForgetGoneSourcesAsync(IEnumerable<Reservation> unpublished)
    {
        foreach (var reservation in unpublished)
        {
            try
            {
                await sourceForgetter.ForgetIfGoneAsync(reservation.Record, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (BestEffortStorageFailure.Of(e, CancellationToken.None) is { } failure)
            {
                LogSourceCheckFailed(reservation.Record.ScanId, failure.Status, failure.ErrorCode);
            }
        }
    }

    /// <summary>
    /// Stores when the next slice may become visible, once a slice is out, leaving the listing's place as it is. A step
    /// whose next slice then fails to publish is retried from the page's start: it finds the slices already out published
    /// and schedules the rest after them, instead of from now, which would put a second minute's worth of jobs into the
    /// first minute. ETag-checked like every checkpoint: on a conflict (a duplicate step moved the run) the page is still
    /// published to the end, from the schedule in hand, and the page's checkpoint then finds the conflict and stops.
    /// </summary>
    private async Task<BulkRun> SaveScheduleAsync(BulkRun run, DateTimeOffset nextVisibleAt)
    {
        var scheduled = run with { NextVisibleAt = nextVisibleAt, UpdatedAt = clock.GetUtcNow() };
        return await runs.TryReplaceAsync(run, scheduled, CancellationToken.None).ConfigureAwait(false) ?? run with { NextVisibleAt = nextVisibleAt };
    }

    /// <summary>
    /// Adds a slice's jobs to the run's window (<see cref="BulkRun.Outstanding"/>) before it is published. ETag-checked
    /// like the schedule: on a conflict the page goes on from the run in hand, and its checkpoint finds the conflict.
    /// </summary>
    private async Task<BulkRun> RecordOutstandingAsync(BulkRun run, IReadOnlyCollection<string> publishing)
    {
        var outstanding = BulkRunWindow.With(run.Outstanding, publishing);
        var recorded = run with { Outstanding = outstanding, UpdatedAt = clock.GetUtcNow() };
        if (await runs.TryReplaceAsync(run, recorded, CancellationToken.None).ConfigureAwait(false) is { } stored)
        {
            return stored;
        }

        // A run closed meanwhile still gets the slice, which goes out all the same; the run in hand keeps its old ETag, so
        // that the page's checkpoint finds the change and ends the step.
        await BulkRunClosedUnderStep.JoinWindowAsync(runs, run.RunId, publishing).ConfigureAwait(false);
        return run with { Outstanding = outstanding };
    }

    private JobRecord RejectedRecord(ScanJob job, BulkRun run, IntakeRejectionCode code, BlobItemProperties properties) => new()
    {
        ScanId = job.ScanId,
        ModelVersion = job.ModelVersion,
        ModelName = job.ModelName,
        State = JobState.Failed,
        ErrorCode = code.ToString(),
        ErrorMessage = ArchiveRejectionReason.Describe(code, properties, admission.MaxScanBytes),
        Origin = JobOrigin.Bulk,
        SourceBlobUri = job.SourceBlobUri,
        SourceETag = job.SourceETag,
        MessageId = job.MessageId,
        CorrelationId = job.CorrelationId,
        RunId = run.RunId,
    };

    private static string ValidatePrefix(string? prefix)
    {
        prefix ??= "";
        if (prefix.Length > 1024 || prefix.StartsWith('/') || prefix.Contains('\\') || prefix.Split('/').Any(s => s is "." or ".."))
        {
            throw new InvalidBulkRunRequestException("'prefix' must be a blob name prefix inside the archive container (no leading '/', no '.' or '..' segments, at most 1024 characters).");
        }

        return prefix;
    }

    private static string ValidateModelVersion(string modelVersion) =>
        BlobLayout.IsValidModelVersion(modelVersion)
            ? modelVersion
            : throw new InvalidBulkRunRequestException($"'modelVersion' must be {BlobLayout.ModelVersionRule}.");

    /// <summary>
    /// What a page did, and the run as the page left it: its schedule (NextVisibleAt) and window saved after each slice.
    /// PublishedEarlier: scans of the page an earlier attempt of this run published, which the window may not know yet.
    /// </summary>
    private sealed record PageCounts(BulkRun Run, long Published, long Skipped, long Rejected, IReadOnlyList<string> PublishedEarlier);

    [LoggerMessage(Level = LogLevel.Error, Message = "Bulk run {RunId}: its step did not run: the bulk run table '{TableName}' does not exist in the storage account this app is connected to (an incomplete deployment or a deleted table), and the run's record with it. The step message is completed, not retried into bulk-reprocess-poison; once the table is restored, start a new run (POST /api/reprocess) or leave it to the scheduled one")]
    private partial void LogStepWithoutRunTable(string runId, string tableName);

    [LoggerMessage(Level = LogLevel.Error, Message = "Bulk run {RunId}: its step stopped: the job table '{TableName}' does not exist in the storage account this app is connected to (an incomplete deployment or a deleted table). The step message is completed, not retried into bulk-reprocess-poison, and the run closed as Stopped (JobTableMissing): {Closed}; once the table is restored a new run (POST /api/reprocess, or the scheduled one) covers its scans")]
    private partial void LogStepWithoutJobTable(string runId, string tableName, bool closed);

    [LoggerMessage(Level = LogLevel.Information, Message = "Bulk run {RunId} started by {Trigger} (dry run: {DryRun})")]
    private partial void LogStarted(string runId, BulkRunTrigger trigger, bool dryRun);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bulk run {RunId}: its first step is queued, but recording that failed ({Status}; status 0: no answer)")]
    private partial void LogMarkFailed(string runId, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bulk run {RunId} never started, and removing its record failed ({Status}; status 0: no answer); it stays Pending")]
    private partial void LogUnstartedNotRemoved(string runId, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bulk run {RunId}: part of a slice went out, but recording it failed ({Status} {ErrorCode}; status 0: no answer); the step's retry may send those jobs again, and schedule the rest into their minute")]
    private partial void LogPartlySentUnrecorded(string runId, int status, string? errorCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scan {ScanId}: its message was not published, and checking whether its archive source still exists failed ({Status} {ErrorCode}; status 0: no answer); the expiry sweep checks again")]
    private partial void LogSourceCheckFailed(string scanId, int status, string? errorCode);

    [LoggerMessage(Level = LogLevel.Information, Message = "Bulk run {RunId} paused after {Pages} pages, {Published} published; the next step continues")]
    private partial void LogPaused(string runId, int pages, long published);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bulk run {RunId}: the listing place of its checkpoint was refused ({ErrorCode}); the listing starts over from the top")]
    private partial void LogListingPlaceRefused(string runId, string? errorCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bulk run {RunId} abandoned after {Pages} pages: no progress since {LastProgress}; run {StartingRunId} covers its scans")]
    private partial void LogAbandoned(string runId, int pages, DateTimeOffset lastProgress, string startingRunId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bulk run {StartingRunId}: closing stalled runs failed ({Status} {ErrorCode}; status 0: no answer); the next start tries again")]
    private partial void LogAbandonFailed(string startingRunId, int status, string? errorCode);

    [LoggerMessage(Level = LogLevel.Information, Message = "Bulk run {RunId} waits for its jobs: {Outstanding} of at most {MaxOutstanding} published and not yet finished (Bulk__MaxOutstandingJobs); the next step looks again in {Seconds} s")]
    private partial void LogWaitingForJobs(string runId, int outstanding, int maxOutstanding, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bulk run {RunId} was closed as {State} ({StopReason}) while its step worked it; the step stops, and what it published is counted in the run: {Published} published, {Outstanding} outstanding")]
    private partial void LogClosedUnderStep(string runId, BulkRunState state, BulkRunStopReason? stopReason, long published, int outstanding);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bulk run {RunId} was removed while its step worked it; the step stops, and what it published is counted in no run")]
    private partial void LogRemovedUnderStep(string runId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bulk run {RunId}: another step moved the checkpoint; this step stops")]
    private partial void LogContended(string runId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Bulk run {RunId} completed: {Listed} listed, {Published} published, {Skipped} skipped, {Rejected} rejected")]
    private partial void LogCompleted(string runId, long listed, long published, long skipped, long rejected);
}
