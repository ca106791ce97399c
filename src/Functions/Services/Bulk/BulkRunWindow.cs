using Microsoft.Extensions.Options;
using Synomaly.Contracts;
using Synomaly.Functions.Options;
using Synomaly.Storage.Jobs;

namespace Synomaly.Functions.Services.Bulk;

/// <summary>
/// Back-pressure of a bulk run: how many more jobs it may publish now (<c>Bulk__MaxOutstandingJobs</c>). The run keeps
/// the scan ids it published in its record (<see cref="BulkRun.Outstanding"/>) and looks up their job records, point reads
/// of at most the window's size, never a scan of the job table; a job is outstanding until its record is final. Every
/// job ends final: the worker succeeds or fails it (a dead-lettered job is Failed), and the expiry sweep fails the
/// ones no worker took before their time to live, so a full window always drains and a run cannot wait for ever.
/// Needs nothing of Service Bus beyond sending: the queue's length would need its Manage right.
/// </summary>
public sealed class BulkRunWindow(JobStore jobs, IOptions<BulkOptions> options)
{
    /// <summary>
    /// How long a run that has no room waits before its next step looks again: short against a job's run, so the queue
    /// never runs dry. The wait is the step message's (<see cref="IBulkStepQueue"/>), not a function's.
    /// </summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(10);

    private readonly BulkOptions bulk = options.Value;

    /// <summary>
    /// Whether the run has room for a chunk now: a quarter of the window, or a whole page if that is less (so that a run
    /// does not list a page for every job that ends). Returns the run with its outstanding jobs looked up afresh (not
    /// stored) and the page size it may list, 0 when there is no room. It does not wait for room: a function sleeping until
    /// jobs end would be billed for the whole wait, so the step ends and its next step comes after
    /// <see cref="PollInterval"/>. A dry run publishes nothing and always has a whole page.
    /// </summary>
    public async Task<(BulkRun Run, int PageSize)> RoomAsync(BulkRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (run.DryRun)
        {
            return (run, bulk.BatchSize);
        }

        var limit = bulk.MaxOutstandingJobs;
        var chunk = Math.Min(bulk.BatchSize, Math.Max(1, limit / 4));
        var held = run.Outstanding.Count;
        // The list as stored may hold jobs that ended since: read them only when it leaves less than a whole page.
        if (limit - held < bulk.BatchSize)
        {
            var looked = await LookUpAsync(run, cancellationToken).ConfigureAwait(false);
            run = run with { Outstanding = Unfinished(run, looked) };
            // A reservation never confirmed sent is a slice whose publish failed (or whose step died before confirming
            // it): the step's retry sends it, from the page at the checkpoint, which it would never list if that slice
            // held the room (a run's first page fills the whole window), and the run would wait for the expiry sweep.
            // The retry's page, from the same place and no smaller, finds it reserved and sends it under its own message
            // id (Service Bus drops the copy of one that did go out), so it holds its place again from there.
            held = looked.Count(j => j == Job.Sent);
        }

        var room = limit - held;
        return (run, room >= chunk ? Math.Min(bulk.BatchSize, room) : 0);
    }

    /// <summary><paramref name="outstanding"/> with <paramref name="published"/> added, each once, in order.</summary>
    public static IReadOnlyList<string> With(IReadOnlyList<string> outstanding, IEnumerable<string> published) =>
        [.. outstanding.Concat(published).Distinct(StringComparer.Ordinal)];

    /// <summary>
    /// The run's outstanding scans whose job is still this run's and not final, by point reads of at most the window's
    /// size (16 at a time). A record gone (its scan erased and removed), taken over by another run, or unreadable no
    /// longer holds a place: none of them would ever free it. A reservation whose message was never confirmed sent still
    /// counts here (what <c>GET /api/reprocess/{runId}</c> shows), until the step's retry sends it or the expiry sweep ends it.
    /// </summary>
    /// <exception cref="JobTableMissingException">The job table does not exist.</exception>
    public async Task<IReadOnlyList<string>> StillOutstandingAsync(BulkRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        return Unfinished(run, await LookUpAsync(run, cancellationToken).ConfigureAwait(false));
    }

    private static string[] Unfinished(BulkRun run, Job[] looked) => [.. run.Outstanding.Where((_, i) => looked[i] != Job.Ended)];

    /// <summary>Where each of the run's outstanding jobs stands, in the order of <see cref="BulkRun.Outstanding"/>.</summary>
    private async Task<Job[]> LookUpAsync(BulkRun run, CancellationToken cancellationToken)
    {
        var looked = new Job[run.Outstanding.Count];
        await Parallel.ForAsync(0, run.Outstanding.Count, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            try
            {
                var record = await jobs.GetAsync(run.Outstanding[i], run.ModelVersion, ct).ConfigureAwait(false);
                looked[i] = record is null || record.RunId != run.RunId || record.State.IsTerminal() ? Job.Ended
                    : record.State == JobState.Queued && !record.IsPublished ? Job.Unsent
                    : Job.Sent;
            }
            catch (InvalidJobRecordException)
            {
                // Written by a newer version or damaged: the reads that act on the job report it; here it only counts.
                looked[i] = Job.Ended;
            }
        }).ConfigureAwait(false);
        return looked;
    }

    /// <summary>What holds a place in the window: a job sent and not final does; an unsent reservation only in what GET shows.</summary>
    private enum Job
    {
        Ended,
        Unsent,
        Sent,
    }
}
