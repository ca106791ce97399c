using Azure.Data.Tables;
using Microsoft.AspNetCore.Mvc;
using Synomaly.Contracts;
using Synomaly.Functions.Services.Bulk;
using Synomaly.Functions.Triggers;
using Synomaly.Storage.Jobs;
using Synomaly.Testing;

namespace Synomaly.Functions.Tests;

/// <summary>
/// What <c>GET /api/reprocess/{runId}</c> costs in table requests: it looks up the run's outstanding jobs, one point read
/// each, when asked.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ReprocessRunReadsTests(AzuriteFixture azurite)
{
    private const int Scans = 120;
    private const int StillRunning = 5;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_finished_run_reads_each_job_once_after_it_ended_and_then_only_the_jobs_still_unfinished()
    {
        // A finished run's record kept the window its last step saw, and no step looks again once the run is over: every
        // GET read all of it, 120 jobs here (up to 500), hours after they had ended. A client polling a finished run cost
        // a point read per job per poll, for good.
        var counter = new TableRequestCounter();
        await using var host = await TestHost.CreateAsync(azurite, steps: new CapturingSteps(), tableOptions: counter.Options());
        var run = await FinishedRunAsync(host, Scans);
        await JobsAsync(host, run, running: StillRunning);

        counter.Reset();
        var first = Progress(await GetAsync(host, run.RunId));
        var firstCost = counter.Requests;
        counter.Reset();
        var second = Progress(await GetAsync(host, run.RunId));

        Assert.Equal(StillRunning, first.Outstanding);
        Assert.Equal(1 + Scans + 1, firstCost); // the run, each job, and the window written back
        Assert.Equal(1 + StillRunning, counter.Requests); // the run and the jobs still unfinished
        Assert.Equivalent(first, second, strict: true);

        // The last ones end: the next GET counts down to 0, and those after it read the run alone.
        foreach (var scanId in run.Outstanding.Take(StillRunning))
        {
            var processing = (await host.Jobs.GetAsync(scanId, "v1", Ct))!;
            Assert.True((await host.Jobs.TransitionAsync(processing, JobState.Succeeded, r => r with { FinishedAt = DateTimeOffset.UtcNow }, Ct)).Succeeded);
        }

        Assert.Equal(0, Progress(await GetAsync(host, run.RunId)).Outstanding);
        counter.Reset();
        var done = Progress(await GetAsync(host, run.RunId));
        Assert.Equal((BulkRunState.Completed, 0, 1), (done.State, done.Outstanding, counter.Requests));
        Assert.Equal((run.Pages, run.Listed, run.Published, run.UpdatedAt, run.FinishedAt), (done.Pages, done.Listed, done.Published, done.UpdatedAt, done.FinishedAt));
    }

    [Fact]
    public async Task A_get_of_an_open_run_leaves_its_record_to_its_steps()
    {
        // A step checkpoints its run ETag-checked, and stops when the run moved under it ("another step moved the
        // checkpoint"): a GET that wrote an open run's record would stop the step working it.
        await using var host = await TestHost.CreateAsync(azurite, steps: new CapturingSteps());
        var store = host.Get<BulkRunStore>();
        var finished = await FinishedRunAsync(host, 3);
        var open = (await store.TryReplaceAsync(finished, finished with { State = BulkRunState.Running, Continuation = "next", FinishedAt = null }, Ct))!;
        await JobsAsync(host, open, running: 0);

        Assert.Equal(0, Progress(await GetAsync(host, open.RunId)).Outstanding);

        var stored = (await store.GetAsync(open.RunId, Ct))!;
        Assert.Equal((open.ETag, 3), (stored.ETag, stored.Outstanding.Count));
    }

    [Fact]
    public async Task A_finished_run_whose_window_cannot_be_saved_is_answered_all_the_same_and_read_in_full_again()
    {
        // Saving the window is bookkeeping for the next GET: a throttled write must not turn the answer, already known,
        // into a 503 (a throttled read still is one: StorageUnavailableApiTests).
        var outage = new TableOutage();
        await using var host = await TestHost.CreateAsync(azurite, steps: new CapturingSteps(), tableOptions: outage.Options());
        var run = await FinishedRunAsync(host, 4);
        await JobsAsync(host, run, running: 1);
        outage.Only = request => request.Method == Azure.Core.RequestMethod.Put;
        outage.Failure = () => new Azure.RequestFailedException(503, "The server is busy.", "ServerBusy", null);

        var shown = Progress(await GetAsync(host, run.RunId));

        Assert.Equal((BulkRunState.Completed, 1), (shown.State, shown.Outstanding));
        Assert.Equal(4, (await host.Get<BulkRunStore>().GetAsync(run.RunId, Ct))!.Outstanding.Count);
    }

    [Fact]
    public async Task A_job_joining_a_finished_runs_window_while_a_get_reads_it_stays_in_the_window()
    {
        // A step still publishing when its run was closed adds its slice to the closed run's window (BulkRunClosedUnderStep).
        // The GET that read the window before that write must not write its older list over it.
        var joining = "a-" + Guid.NewGuid().ToString("N");
        BulkRun? run = null;
        TestHost? late = null;
        await using var host = await TestHost.CreateAsync(azurite, steps: new CapturingSteps(),
            jobStore: (table, clock) => new JoinsWindowOnFirstReadJobStore(table, clock, () => JoinAsync(late!, run!, joining)));
        late = host;
        run = await FinishedRunAsync(host, 3);
        await JobsAsync(host, run, running: 0);

        Assert.Equal(0, Progress(await GetAsync(host, run.RunId)).Outstanding); // the window as read: its jobs all ended

        Assert.Contains(joining, (await host.Get<BulkRunStore>().GetAsync(run.RunId, Ct))!.Outstanding);
        Assert.Equal(1, Progress(await GetAsync(host, run.RunId)).Outstanding);
    }

    /// <summary>What a late step of the closed run does: it reserves a scan for its run, then adds it to the run's window.</summary>
    private static async Task JoinAsync(TestHost host, BulkRun run, string scanId)
    {
        var reserved = new JobRecord { ScanId = scanId, ModelVersion = run.ModelVersion, ModelName = run.ModelName, State = JobState.Queued, Origin = JobOrigin.Bulk, RunId = run.RunId };
        Assert.Equal(JobWriteOutcome.Written, (await host.Jobs.CreateAsync(reserved, Ct)).Outcome);
        var store = host.Get<BulkRunStore>();
        var read = (await store.GetAsync(run.RunId, Ct))!;
        Assert.NotNull(await store.TryReplaceAsync(read, read with { Outstanding = [.. read.Outstanding, scanId] }, Ct));
    }

    private static Task<IActionResult> GetAsync(TestHost host, string runId) => host.Function<GetReprocessRun>().Run(HttpRequests.Create("GET"), runId, Ct);

    private static BulkRunProgress Progress(IActionResult answer) => Assert.IsType<BulkRunProgress>(Assert.IsType<OkObjectResult>(answer).Value);

    /// <summary>A Completed run whose last step left <paramref name="scans"/> archive scans in its window.</summary>
    private static async Task<BulkRun> FinishedRunAsync(TestHost host, int scans)
    {
        var finishedAt = DateTimeOffset.UtcNow.AddHours(-1);
        var (run, created) = await host.Get<BulkRunStore>().CreateAsync(new BulkRun
        {
            RunId = "r-" + Guid.NewGuid().ToString("N"),
            ModelName = "brain-mri-demo",
            ModelVersion = "v1",
            State = BulkRunState.Completed,
            Pages = 2,
            Listed = scans + 7,
            Published = scans,
            Skipped = 7,
            Outstanding = [.. Enumerable.Range(0, scans).Select(_ => "a-" + Guid.NewGuid().ToString("N"))],
            CreatedAt = finishedAt.AddHours(-1),
            UpdatedAt = finishedAt,
            WindowMovedAt = finishedAt,
            FinishedAt = finishedAt,
        }, Ct);
        Assert.True(created);
        return run;
    }

    /// <summary>
    /// The records of the run's jobs: the first <paramref name="running"/> being processed, the rest ended: most succeeded,
    /// some failed, and some erased since (no record left, a 404 to the point read).
    /// </summary>
    private static async Task JobsAsync(TestHost host, BulkRun run, int running)
    {
        var now = DateTimeOffset.UtcNow;
        foreach (var (scanId, i) in run.Outstanding.Select((id, i) => (id, i)))
        {
            var ended = i >= running;
            if (ended && i % 10 == 5)
            {
                continue;
            }

            var failed = ended && i % 10 == 6;
            var record = new JobRecord
            {
                ScanId = scanId,
                ModelVersion = run.ModelVersion,
                ModelName = run.ModelName,
                State = !ended ? JobState.Processing : failed ? JobState.Failed : JobState.Succeeded,
                ErrorCode = failed ? "Malformed" : null,
                Origin = JobOrigin.Bulk,
                SourceETag = "0x1",
                MessageId = scanId + ":0x1:v1",
                RunId = run.RunId,
                QueuedAt = now.AddMinutes(-30),
                StartedAt = now.AddMinutes(-20),
                FinishedAt = ended ? now.AddMinutes(-10) : null,
            };
            Assert.Equal(JobWriteOutcome.Written, (await host.Jobs.CreateAsync(record, Ct)).Outcome);
        }
    }

    /// <summary>The real job table, where a late step joins the run's window before the first read of a job answers.</summary>
    private sealed class JoinsWindowOnFirstReadJobStore(TableClient table, TimeProvider clock, Func<Task> join) : JobStore(table, clock)
    {
        private int joined;

        public override async Task<JobRecord?> GetAsync(string scanId, string modelVersion, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Exchange(ref joined, 1) == 0)
            {
                await join();
            }

            return await base.GetAsync(scanId, modelVersion, cancellationToken);
        }
    }
}
