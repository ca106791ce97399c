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
        // The list as stored may hold jobs that ended since: read them only when it leaves less than a whole page.
        if (limit - run.Outstanding.Count < bulk.BatchSize)
        {
            run = run with { Outstanding = await StillOutstandingAsync(run, cancellationToken).ConfigureAwait(false) };
        }

        var room = limit - run.Outstanding.Count;
        return (run, room >= chunk ? Math.Min(bulk.BatchSize, room) : 0);
    }

    /// <summary><paramref name="outstanding"/> with <paramref name="published"/> added, each once, in order.</summary>
    public static IReadOnlyList<string> With(IReadOnlyList<string> outstanding, IEnumerable<string> published) =>
        [.. outstanding.Concat(published).Distinct(StringComparer.Ordinal)];

    /// <summary>
    /// The run's outstanding scans whose job is still this run's and not final, by point reads of at most the window's
    /// size (16 at a time). A record gone (its scan erased and removed), taken over by another run, or unreadable no
    /// longer holds a place: none of them would ever free it.
    /// </summary>
    /// <exception cref="JobTableMissingException">The job table does not exist.</exception>
    public async Task<IReadOnlyList<string>> StillOutstandingAsync(BulkRun run, CancellationToken cancellationToken)
    {
        var still = new bool[run.Outstanding.Count];
        await Parallel.ForAsync(0, run.Outstanding.Count, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            try
            {
                var record = await jobs.GetAsync(run.Outstanding[i], run.ModelVersion, ct).ConfigureAwait(false);
                still[i] = record is not null && record.RunId == run.RunId && !record.State.IsTerminal();
            }
            catch (InvalidJobRecordException)
            {
                // Written by a newer version or damaged: the reads that act on the job report it; here it only counts.
            }
        }).ConfigureAwait(false);
        return [.. run.Outstanding.Where((_, i) => still[i])];
    }
}
