using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Synomaly.Contracts;
using Synomaly.Functions.Options;
using Synomaly.Storage.Jobs;

namespace Synomaly.Functions.Services.Jobs;

/// <summary>What one expiry sweep saw and did.</summary>
/// <param name="Examined">Queued or Processing records not written for longer than the expiry period.</param>
/// <param name="Expired">Scan ids whose job this sweep moved to Failed (Expired).</param>
/// <param name="Complete">False when the time budget ran out first; the next sweep goes on (expired jobs are not listed again).</param>
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
/// </summary>
public sealed partial class JobExpirySweeper(JobStore jobs, IOptions<JobExpiryOptions> options, TimeProvider clock, ILogger<JobExpirySweeper> logger)
{
    /// <summary>Time one sweep may take: the function timeout is 5 minutes (host.json), and a large backlog takes several sweeps.</summary>
    public static readonly TimeSpan DefaultBudget = TimeSpan.FromMinutes(3);

    private readonly JobExpiryOptions settings = options.Value;

    public Task<ExpirySweepResult> RunAsync(CancellationToken cancellationToken) => RunAsync(DefaultBudget, cancellationToken);

    public async Task<ExpirySweepResult> RunAsync(TimeSpan budget, CancellationToken cancellationToken)
    {
        var started = clock.GetTimestamp();
        var now = clock.GetUtcNow();
        var quietSince = now - settings.ExpiresAfter;
        int examined = 0;
        var expired = new List<string>();
        foreach (var state in new[] { JobState.Queued, JobState.Processing })
        {
            string? token = null;
            do
            {
                var page = await jobs.ListAsync(state, continuationToken: token, pageSize: JobStore.MaxPageSize, modifiedBefore: quietSince, cancellationToken: cancellationToken).ConfigureAwait(false);
                foreach (var record in page.Jobs)
                {
                    if (clock.GetElapsedTime(started) > budget)
                    {
                        LogOutOfTime(examined, expired.Count);
                        return new ExpirySweepResult(examined, expired, Complete: false);
                    }

                    examined++;
                    if (LastActivity(record) < quietSince && await ExpireAsync(record, cancellationToken).ConfigureAwait(false))
                    {
                        expired.Add(record.ScanId);
                        LogExpired(record.ScanId, record.ModelVersion, state, settings.MessageTimeToLiveHours);
                    }
                }

                token = page.ContinuationToken;
            }
            while (token is not null);
        }

        LogSweep(examined, expired.Count);
        return new ExpirySweepResult(examined, expired, Complete: true);
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
        var result = await jobs.TransitionAsync(record, JobState.Failed, r => r with
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job expiry sweep out of time after {Examined} quiet jobs ({Expired} expired); the next sweep goes on")]
    private partial void LogOutOfTime(int examined, int expired);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job expiry sweep: {Examined} quiet jobs checked, {Expired} expired")]
    private partial void LogSweep(int examined, int expired);
}
