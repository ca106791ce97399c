using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Synomaly.Contracts;
using Synomaly.Functions.Services.Bulk;
using Synomaly.Functions.Triggers;
using Synomaly.Storage.Messaging;
using Synomaly.Testing;

namespace Synomaly.Functions.Tests;

/// <summary>
/// A step still working its run when the run is closed under it: its step message poisoned (a duplicate's last delivery
/// failed), the job table found missing by another step, or a later run abandoning it.
/// </summary>
[Trait("Category", "Integration")]
public sealed class BulkRunClosedUnderStepTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Jobs_a_step_publishes_after_its_run_was_stopped_count_in_the_stopped_run_and_the_step_says_it_stopped()
    {
        // The run was closed after the page's first slice went out: the next slices joined the window in memory only (the
        // save lost to the close's newer ETag), were published all the same, and the page's checkpoint lost too. GET
        // showed 4 outstanding and 0 published with 10 jobs on the queue, and the step ended "another step moved the
        // checkpoint", as if a duplicate step had.
        var publisher = new StopsRunAfterFirstBatchPublisher();
        await using var host = await TestHost.CreateAsync(azurite,
            new() { ["Bulk:BatchSize"] = "10", ["Bulk:MessagesPerMinute"] = "4" }, publisher: publisher, steps: new CapturingSteps());
        var prefix = await FillArchiveAsync(host, 10);
        var log = new CapturingLogger<BulkReprocessService>();
        var bulk = ActivatorUtilities.CreateInstance<BulkReprocessService>(host.Services, log);
        var run = await bulk.StartAsync(new BulkRunRequest(prefix, null, false), Ct);
        publisher.Stop = () => host.Get<BulkStepPoisonHandler>().HandleAsync(run.RunId, Ct);

        var step = await bulk.RunStepAsync(run.RunId, TimeSpan.FromHours(1), Ct);

        Assert.Equal(10, publisher.Inner.Published.Count);
        var shown = Assert.IsType<BulkRunProgress>(Assert.IsType<OkObjectResult>(await host.Function<GetReprocessRun>().Run(HttpRequests.Create("GET"), run.RunId, Ct)).Value);
        Assert.Equal((BulkRunState.Stopped, BulkRunStopReason.StepPoisoned), (shown.State, shown.Stop!.Reason));
        Assert.Equal((10, 1, 10L, 10L), (shown.Outstanding, shown.Pages, shown.Listed, shown.Published));
        Assert.Equal((BulkStepOutcome.Stopped, BulkRunState.Stopped), (step.Outcome, step.Run!.State));
        var said = Assert.Single(log.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains(run.RunId, said.Message, StringComparison.Ordinal);
        Assert.Contains("Stopped (StepPoisoned)", said.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("another step", said.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Jobs_a_step_publishes_after_its_run_was_stopped_stay_in_the_window_while_gets_keep_pruning_it()
    {
        // A GET of the closed run saves its window less the jobs that ended (BulkRunWindowPruner), ETag-checked. Pruned
        // between each of the step's reads and writes, each of its writes into the closed run (a slice joining the window,
        // then the page's count) lost three times and gave up: the page's later slices were published, but left out of
        // the window for good.
        var publisher = new StopsRunAfterFirstBatchPublisher();
        await using var host = await TestHost.CreateAsync(azurite,
            new() { ["Bulk:BatchSize"] = "30", ["Bulk:MessagesPerMinute"] = "10" }, publisher: publisher, steps: new CapturingSteps());
        var prefix = await FillArchiveAsync(host, 30);
        var store = new PrunedBeforeLateWritesRunStore(new TableClient(host.ConnectionString, host.BulkRunsTable), prunes: 9);
        var bulk = ActivatorUtilities.CreateInstance<BulkReprocessService>(host.Services, store);
        var run = await bulk.StartAsync(new BulkRunRequest(prefix, null, false), Ct);
        publisher.Stop = () => host.Get<BulkStepPoisonHandler>().HandleAsync(run.RunId, Ct);

        await bulk.RunStepAsync(run.RunId, TimeSpan.FromHours(1), Ct);

        Assert.Equal((30, 9), (publisher.Inner.Published.Count, store.Pruned.Count));
        // Every job published and not ended is in the window (the page's count may add ended ones back: the next GET prunes them).
        var window = (await store.GetAsync(run.RunId, Ct))!.Outstanding;
        Assert.Empty(publisher.Inner.Published.Select(p => p.Job.ScanId).Except(store.Pruned).Except(window));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_step_that_finds_no_more_pages_of_a_run_stopped_meanwhile_says_it_stopped_not_completed(bool listingHasAPage)
    {
        // Its write of Completed lost to the close. After the last page (an empty one here: Azure lists a page even where
        // there is no blob) it said "another step moved the checkpoint" and answered Contended; where the listing had no
        // page at all it read the run back Stopped and still logged "completed" and answered Completed.
        await using var host = await TestHost.CreateAsync(azurite, steps: new CapturingSteps());
        var store = new StoppedBeforeReplaceRunStore(new TableClient(host.ConnectionString, host.BulkRunsTable));
        var log = new CapturingLogger<BulkReprocessService>();
        var bulk = listingHasAPage
            ? ActivatorUtilities.CreateInstance<BulkReprocessService>(host.Services, store, log)
            : ActivatorUtilities.CreateInstance<BulkReprocessService>(host.Services, store, log, new NoPagesBlobService(host.ConnectionString));
        var run = await bulk.StartAsync(new BulkRunRequest($"t{Guid.NewGuid():N}/", null, false), Ct); // nothing under it
        store.StopBefore(next => next.State == BulkRunState.Completed, () => host.Get<BulkStepPoisonHandler>().HandleAsync(run.RunId, Ct));

        var step = await bulk.RunStepAsync(run.RunId, TimeSpan.FromHours(1), Ct);

        Assert.Equal((BulkStepOutcome.Stopped, BulkRunState.Stopped), (step.Outcome, step.Run!.State));
        Assert.Equal(BulkRunState.Stopped, (await store.GetAsync(run.RunId, Ct))!.State);
        Assert.DoesNotContain(log.Entries, e => e.Message.Contains("completed", StringComparison.OrdinalIgnoreCase));
        var said = Assert.Single(log.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains(run.RunId, said.Message, StringComparison.Ordinal);
        Assert.Contains("Stopped (StepPoisoned)", said.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_step_that_finds_its_run_stopped_as_it_records_a_wait_for_room_says_it_stopped()
    {
        // Its record of the look lost to the close, and it logged "another step moved the checkpoint" and answered
        // Contended, as if a duplicate step had.
        await using var host = await TestHost.CreateAsync(azurite,
            new() { ["Bulk:BatchSize"] = "4", ["Bulk:MaxOutstandingJobs"] = "4", ["Bulk:MessagesPerMinute"] = "1000000" }, steps: new CapturingSteps());
        var prefix = await FillArchiveAsync(host, 8);
        var store = new StoppedBeforeReplaceRunStore(new TableClient(host.ConnectionString, host.BulkRunsTable));
        var log = new CapturingLogger<BulkReprocessService>();
        var bulk = ActivatorUtilities.CreateInstance<BulkReprocessService>(host.Services, store, log);
        var run = await bulk.StartAsync(new BulkRunRequest(prefix, null, false), Ct);
        Assert.Equal(BulkStepOutcome.Paused, (await bulk.RunStepAsync(run.RunId, TimeSpan.Zero, Ct)).Outcome); // 4 of 4 out
        store.StopBefore(_ => true, () => host.Get<BulkStepPoisonHandler>().HandleAsync(run.RunId, Ct));

        var step = await bulk.RunStepAsync(run.RunId, TimeSpan.Zero, Ct);

        Assert.Equal((BulkStepOutcome.Stopped, BulkRunState.Stopped, 4), (step.Outcome, step.Run!.State, step.Run.Outstanding.Count));
        var said = Assert.Single(log.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains(run.RunId, said.Message, StringComparison.Ordinal);
        Assert.Contains("Stopped (StepPoisoned)", said.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_step_whose_run_is_removed_after_its_checkpoint_lost_says_so_and_ends_not_found()
    {
        // The run read back was gone, and the step logged "another step moved the checkpoint" and answered Contended with
        // no run, as if a duplicate step had moved it.
        await using var host = await TestHost.CreateAsync(azurite, steps: new CapturingSteps());
        var store = new StoppedBeforeReplaceRunStore(new TableClient(host.ConnectionString, host.BulkRunsTable));
        var log = new CapturingLogger<BulkReprocessService>();
        var bulk = ActivatorUtilities.CreateInstance<BulkReprocessService>(host.Services, store, log);
        var run = await bulk.StartAsync(new BulkRunRequest($"t{Guid.NewGuid():N}/", null, false), Ct); // nothing under it
        store.StopBefore(next => next.State == BulkRunState.Completed, () => host.Get<BulkStepPoisonHandler>().HandleAsync(run.RunId, Ct));
        store.RemoveAfterLostWrite = true;

        var step = await bulk.RunStepAsync(run.RunId, TimeSpan.FromHours(1), Ct);

        Assert.Equal(new BulkStepResult(BulkStepOutcome.NotFound, null), step);
        var said = Assert.Single(log.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains(run.RunId, said.Message, StringComparison.Ordinal);
        Assert.Contains("was removed", said.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("another step", said.Message, StringComparison.Ordinal);
    }

    private static async Task<string> FillArchiveAsync(TestHost host, int count)
    {
        var prefix = $"t{Guid.NewGuid():N}/";
        var archive = host.Blobs.GetBlobContainerClient(BlobLayout.ArchiveContainer);
        for (var i = 0; i < count; i++)
        {
            await archive.UploadBlobAsync($"{prefix}patient-{i:D4}/scan.dcm", BinaryData.FromBytes(ScanBytes.Dicom()), Ct);
        }

        return prefix;
    }

    /// <summary>Publishes every batch; after the first, the run is closed (<see cref="Stop"/>), as the poison trigger closes it.</summary>
    private sealed class StopsRunAfterFirstBatchPublisher : IScanJobPublisher
    {
        private int batches;

        public InMemoryScanJobPublisher Inner { get; } = new();

        public Func<Task>? Stop { get; set; }

        public Task PublishAsync(ScanJob job, DateTimeOffset? scheduledEnqueueTime = null, CancellationToken cancellationToken = default) =>
            Inner.PublishAsync(job, scheduledEnqueueTime, cancellationToken);

        public async Task PublishBatchAsync(IReadOnlyList<ScanJob> jobs, DateTimeOffset? scheduledEnqueueTime = null, CancellationToken cancellationToken = default)
        {
            await Inner.PublishBatchAsync(jobs, scheduledEnqueueTime, cancellationToken);
            if (++batches == 1)
            {
                await Stop!();
            }
        }
    }

    /// <summary>
    /// The real store, but the run is closed (once) just before a step's first write that matches; with
    /// <see cref="RemoveAfterLostWrite"/>, the run is also removed once that write has lost to the close.
    /// </summary>
    private sealed class StoppedBeforeReplaceRunStore(TableClient table) : BulkRunStore(table)
    {
        private Func<BulkRun, bool>? matches;
        private Func<Task>? stop;

        public bool RemoveAfterLostWrite { get; set; }

        public void StopBefore(Func<BulkRun, bool> write, Func<Task> close) => (matches, stop) = (write, close);

        public override async Task<BulkRun?> TryReplaceAsync(BulkRun current, BulkRun next, CancellationToken cancellationToken = default)
        {
            if (matches is not { } write || !write(next))
            {
                return await base.TryReplaceAsync(current, next, cancellationToken);
            }

            matches = null;
            await stop!();
            var stored = await base.TryReplaceAsync(current, next, cancellationToken);
            if (stored is null && RemoveAfterLostWrite)
            {
                await DeleteUnstartedAsync(current.RunId, cancellationToken);
            }

            return stored;
        }
    }

    /// <summary>
    /// The real store, but before each of the first <c>prunes</c> writes into a closed run (a late step's), a GET's pruner
    /// saves the window less one job, as if it had ended.
    /// </summary>
    private sealed class PrunedBeforeLateWritesRunStore(TableClient table, int prunes) : BulkRunStore(table)
    {
        private readonly BulkRunWindowPruner pruner = new(new BulkRunStore(table), Microsoft.Extensions.Logging.Abstractions.NullLogger<BulkRunWindowPruner>.Instance);

        public List<string> Pruned { get; } = [];

        public override async Task<BulkRun?> TryReplaceAsync(BulkRun current, BulkRun next, CancellationToken cancellationToken = default)
        {
            if (!current.IsOpen && Pruned.Count < prunes)
            {
                var looked = (await GetAsync(current.RunId, cancellationToken))!;
                Pruned.Add(looked.Outstanding[0]);
                await pruner.PruneIfOverAsync(looked, looked.Outstanding.Skip(1).ToList(), DateTimeOffset.UtcNow, cancellationToken);
            }

            return await base.TryReplaceAsync(current, next, cancellationToken);
        }
    }

    /// <summary>Azurite's blob service, but a listing of the archive yields no page at all (not even an empty one).</summary>    /// <summary>Azurite's blob service, but a listing of the archive yields no page at all (not even an empty one).</summary>
    private sealed class NoPagesBlobService : BlobServiceClient
    {
        private readonly string connectionString;

        public NoPagesBlobService(string connectionString)
            : base(connectionString)
        {
            this.connectionString = connectionString;
        }

        public override BlobContainerClient GetBlobContainerClient(string blobContainerName) => new NoPagesContainer(connectionString, blobContainerName);

        private sealed class NoPagesContainer(string connectionString, string name) : BlobContainerClient(connectionString, name)
        {
            public override AsyncPageable<BlobItem> GetBlobsAsync(GetBlobsOptions options, CancellationToken cancellationToken = default) =>
                AsyncPageable<BlobItem>.FromPages([]);
        }
    }
}
