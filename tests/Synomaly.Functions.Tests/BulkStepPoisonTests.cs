using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Synomaly.Functions.Services.Bulk;
using Synomaly.Functions.Triggers;
using Synomaly.Testing;

namespace Synomaly.Functions.Tests;

/// <summary>
/// A bulk step message the queue trigger gave up on (moved to bulk-reprocess-poison): it used to lie there unread while
/// its run looked open, reported stalled after 15 minutes and abandoned by a later run hours on.
/// </summary>
[Trait("Category", "Integration")]
public sealed class BulkStepPoisonTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_poisoned_step_closes_its_open_run_at_once_as_stopped_saying_why_and_again_changes_nothing()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var host = await TestHost.CreateAsync(azurite, steps: new CapturingSteps(), clock: clock);
        var store = host.Get<BulkRunStore>();
        var bulk = host.Get<BulkReprocessService>();
        var run = await OpenRunAsync(store, BulkRunState.Running, clock.Now.AddMinutes(-11), continuation: "Doe Jane/2024/scan.dcm");
        var trigger = host.Function<BulkReprocessStepPoisoned>();

        await trigger.Run(run.RunId, Ct);

        var closed = (await bulk.GetAsync(run.RunId, Ct))!;
        Assert.Equal((BulkRunState.Stopped, BulkRunStopReason.StepPoisoned, clock.Now), (closed.State, closed.StopReason, closed.FinishedAt));
        Assert.Null(closed.Continuation); // the listing place names an archive blob
        var shown = Assert.IsType<BulkRunProgress>(Assert.IsType<OkObjectResult>(await host.Function<GetReprocessRun>().Run(HttpRequests.Create("GET"), run.RunId, Ct)).Value);
        Assert.Equal((BulkRunState.Stopped, BulkRunStopReason.StepPoisoned), (shown.State, shown.Stop!.Reason));
        Assert.Contains("bulk-reprocess-poison", shown.Stop.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("Doe", shown.Stop.Detail, StringComparison.Ordinal);
        Assert.Null(shown.Stalled);

        // The same message again (a second copy, or the trigger retried after its first attempt closed the run): no change.
        clock.Now = clock.Now.AddMinutes(5);
        await trigger.Run(run.RunId, Ct);
        var again = (await bulk.GetAsync(run.RunId, Ct))!;
        Assert.Equal((closed.ETag, closed.FinishedAt), (again.ETag, again.FinishedAt));
        // A step of the run that comes late does nothing.
        Assert.Equal(BulkStepOutcome.Stopped, (await bulk.RunStepAsync(run.RunId, TimeSpan.FromHours(1), Ct)).Outcome);
    }

    [Fact]
    public async Task A_pending_run_whose_first_step_was_poisoned_is_closed_too()
    {
        await using var host = await TestHost.CreateAsync(azurite, steps: new CapturingSteps());
        var run = await host.Get<BulkReprocessService>().StartAsync(new BulkRunRequest($"poison-{Guid.NewGuid():N}/", null, DryRun: false), Ct);

        await host.Function<BulkReprocessStepPoisoned>().Run(run.RunId, Ct);

        var closed = (await host.Get<BulkReprocessService>().GetAsync(run.RunId, Ct))!;
        Assert.Equal((BulkRunState.Stopped, BulkRunStopReason.StepPoisoned), (closed.State, closed.StopReason));
    }

    [Theory]
    [InlineData(BulkRunState.Completed)]
    [InlineData(BulkRunState.Abandoned)]
    public async Task A_poisoned_step_of_a_run_that_is_over_leaves_the_run_as_it_is(BulkRunState state)
    {
        // A duplicate step message of a run that another step finished, failing for its own reasons.
        await using var host = await TestHost.CreateAsync(azurite, steps: new CapturingSteps());
        var run = await OpenRunAsync(host.Get<BulkRunStore>(), state, DateTimeOffset.UtcNow.AddHours(-1), continuation: null);

        await host.Function<BulkReprocessStepPoisoned>().Run(run.RunId, Ct);

        var after = (await host.Get<BulkReprocessService>().GetAsync(run.RunId, Ct))!;
        Assert.Equal((state, run.ETag, (BulkRunStopReason?)null), (after.State, after.ETag, after.StopReason));
    }

    [Theory]
    [InlineData("r-00000000000000000000000000000000", true)]
    [InlineData("Doe Jane/2024/scan.dcm", false)]
    [InlineData("", false)]
    [InlineData("r-1'or'1", false)]
    public async Task A_poison_message_naming_no_run_is_logged_without_its_text_and_completed(string message, bool isRunId)
    {
        // Thrown, it would be retried into bulk-reprocess-poison-poison, which the templates neither create nor let the
        // app create: it would come back every minute for good.
        await using var host = await TestHost.CreateAsync(azurite, steps: new CapturingSteps());
        var log = new CapturingLogger<BulkStepPoisonHandler>();
        var trigger = new BulkReprocessStepPoisoned(ActivatorUtilities.CreateInstance<BulkStepPoisonHandler>(host.Services, log));

        await trigger.Run(message, Ct);

        var warning = Assert.Single(log.Entries);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("bulk-reprocess-poison", warning.Message, StringComparison.Ordinal);
        if (isRunId)
        {
            Assert.Contains(message, warning.Message, StringComparison.Ordinal); // a valid run id, safe to name
        }
        else
        {
            Assert.DoesNotContain("Doe", warning.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("'or'", warning.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_poisoned_step_whose_close_keeps_losing_to_another_writer_says_so_and_leaves_the_run_open()
    {
        // Each attempt to close the run met a newer ETag (a duplicate step checkpointing it): after 3 the stopper gave up
        // and nothing was logged at all, neither by it nor by the handler, while the message was removed for good.
        await using var host = await TestHost.CreateAsync(azurite, steps: new CapturingSteps());
        var real = host.Get<BulkRunStore>();
        var run = await OpenRunAsync(real, BulkRunState.Running, DateTimeOffset.UtcNow.AddMinutes(-11), continuation: null);
        var stopperLog = new CapturingLogger<BulkRunStopper>();
        var handlerLog = new CapturingLogger<BulkStepPoisonHandler>();
        var handler = new BulkStepPoisonHandler(new BulkRunStopper(new AlwaysContendedRunStore(real), TimeProvider.System, stopperLog), handlerLog);

        var outcome = await handler.HandleAsync(run.RunId, Ct);

        Assert.Equal(BulkRunStopOutcome.Failed, outcome);
        Assert.Equal(BulkRunState.Running, (await real.GetAsync(run.RunId, Ct))!.State);
        var warning = Assert.Single(stopperLog.Entries.Concat(handlerLog.Entries));
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains(run.RunId, warning.Message, StringComparison.Ordinal);
        Assert.Contains("another", warning.Message, StringComparison.Ordinal);
    }

    /// <summary>Reads the real runs; every conditional replace loses, as to a step that checkpoints in between.</summary>
    private sealed class AlwaysContendedRunStore(BulkRunStore real) : BulkRunStore(new Azure.Data.Tables.TableClient("UseDevelopmentStorage=true", "unused"))
    {
        public override Task<BulkRun?> GetAsync(string runId, CancellationToken cancellationToken = default) => real.GetAsync(runId, cancellationToken);

        public override Task<BulkRun?> TryReplaceAsync(BulkRun current, BulkRun next, CancellationToken cancellationToken = default) => Task.FromResult<BulkRun?>(null);
    }

    /// <summary>A run as a step left it, in <paramref name="state"/>.</summary>
    internal static async Task<BulkRun> OpenRunAsync(BulkRunStore store, BulkRunState state, DateTimeOffset lastProgress, string? continuation)
    {
        var (run, created) = await store.CreateAsync(new BulkRun
        {
            RunId = "r-" + Guid.NewGuid().ToString("N"),
            ModelName = "brain-mri-demo",
            ModelVersion = "v1",
            State = state,
            Continuation = continuation,
            Pages = 5,
            Listed = 50,
            Published = 40,
            Skipped = 10,
            CreatedAt = lastProgress.AddHours(-1),
            UpdatedAt = lastProgress,
            FinishedAt = state is BulkRunState.Pending or BulkRunState.Running ? null : lastProgress,
        }, Ct);
        Assert.True(created);
        return run;
    }
}
