using Azure;
using Azure.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Synomaly.Functions.Services.Bulk;
using Synomaly.Testing;

namespace Synomaly.Functions.Tests;

/// <summary>
/// The calls on the bulk run table made on a best-effort basis (a run's start, closing a run as Stopped), when the SDK gives up on network
/// faults: it throws an AggregateException of one fault per try, not a RequestFailedException.
/// </summary>
[Trait("Category", "Integration")]
public sealed class BulkRunTableBestEffortTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A connection refused on every try, as Azure.Core's transport reports it (status 0).</summary>
    private static Exception NoAnswer() => new RequestFailedException("Connection refused.", new HttpRequestException("Connection refused"));

    [Fact]
    public async Task A_start_whose_close_of_stalled_runs_gets_no_answer_starts_its_run_all_the_same()
    {
        // The AggregateException went past the catch: POST /api/reprocess answered 503 storage-unavailable and the
        // scheduled tick threw, for a listing of old runs that only tidies up.
        var outage = new TableOutage { Only = r => r.Uri.ToString().Contains("filter=", StringComparison.Ordinal) };
        var steps = new CapturingSteps();
        await using var host = await TestHost.CreateAsync(azurite, steps: steps, tableOptions: outage.Options());
        var log = new CapturingLogger<BulkReprocessService>();
        var bulk = ActivatorUtilities.CreateInstance<BulkReprocessService>(host.Services, log);
        outage.Failure = NoAnswer;

        var run = await bulk.StartAsync(new BulkRunRequest(null, null, DryRun: true), Ct);

        Assert.Equal([run.RunId], steps.Requested);
        var warning = Assert.Single(log.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains("closing stalled runs failed (0 ", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_that_did_not_start_is_reported_so_when_removing_its_record_gets_no_answer()
    {
        // The AggregateException of the removal replaced the BulkRunNotStartedException: the caller got
        // storage-unavailable instead of run-not-started.
        var outage = new TableOutage { Only = r => r.Method == RequestMethod.Delete };
        await using var host = await TestHost.CreateAsync(azurite, steps: new FailingOnceSteps(), tableOptions: outage.Options());
        var log = new CapturingLogger<BulkReprocessService>();
        var bulk = ActivatorUtilities.CreateInstance<BulkReprocessService>(host.Services, log);
        outage.Failure = NoAnswer;

        var error = await Assert.ThrowsAsync<BulkRunNotStartedException>(() => bulk.StartAsync(new BulkRunRequest(null, null, DryRun: true), Ct));

        Assert.Equal(BulkRunState.Pending, (await bulk.GetAsync(error.RunId, Ct))!.State);
        var warning = Assert.Single(log.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains("removing its record failed (0;", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_start_whose_mark_of_the_queued_first_step_gets_no_answer_still_returns_its_started_run()
    {
        // The step was on the queue, but the AggregateException of the mark made the start fail: the caller heard 503
        // and posted a second run beside the first.
        var outage = new TableOutage { Only = TableOutage.UriHolding("first-step-queued") };
        var steps = new CapturingSteps();
        await using var host = await TestHost.CreateAsync(azurite, steps: steps, tableOptions: outage.Options());
        var log = new CapturingLogger<BulkReprocessService>();
        var bulk = ActivatorUtilities.CreateInstance<BulkReprocessService>(host.Services, log);
        outage.Failure = NoAnswer;

        var run = await bulk.StartAsync(new BulkRunRequest(null, null, DryRun: true), Ct);

        Assert.Equal([run.RunId], steps.Requested);
        var warning = Assert.Single(log.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains("recording that failed (0;", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Closing_a_run_as_stopped_that_gets_no_answer_is_logged_and_reported_failed()
    {
        // The AggregateException went past the stopper's catch: the poison trigger and the step that found the job table
        // missing threw instead of logging that the run stays open.
        var outage = new TableOutage { Only = r => r.Method == RequestMethod.Put };
        await using var host = await TestHost.CreateAsync(azurite, steps: new CapturingSteps(), tableOptions: outage.Options());
        var run = await host.Get<BulkReprocessService>().StartAsync(new BulkRunRequest(null, null, DryRun: true), Ct);
        var log = new CapturingLogger<BulkRunStopper>();
        var stopper = ActivatorUtilities.CreateInstance<BulkRunStopper>(host.Services, log);
        outage.Failure = NoAnswer;

        var outcome = await stopper.StopAsync(run.RunId, BulkRunStopReason.StepPoisoned, "Poisoned.", Ct);

        Assert.Equal(BulkRunStopOutcome.Failed, outcome);
        Assert.Equal(BulkRunState.Pending, (await host.Get<BulkReprocessService>().GetAsync(run.RunId, Ct))!.State);
        Assert.Contains("closing it as Stopped failed (0 ", Assert.Single(log.Entries, e => e.Level == LogLevel.Warning).Message, StringComparison.Ordinal);
    }
}
