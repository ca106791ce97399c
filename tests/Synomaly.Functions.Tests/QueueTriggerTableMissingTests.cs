using Azure.Data.Tables;
using Azure.Storage.Queues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Synomaly.Contracts;
using Synomaly.Functions.Services.Archive;
using Synomaly.Functions.Services.Bulk;
using Synomaly.Functions.Triggers;
using Synomaly.Testing;

namespace Synomaly.Functions.Tests;

/// <summary>The queue triggers (a bulk run's step, an archive deletion event) when a table of this app does not exist.</summary>
[Trait("Category", "Integration")]
public sealed class QueueTriggerTableMissingTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_bulk_step_without_the_bulk_run_table_logs_one_error_naming_the_table_and_completes()
    {
        // The step threw the typed error on each of its 10 dequeues and went to bulk-reprocess-poison, which nothing reads;
        // the run's record went with its table, so no retry could ever find it.
        await using var host = await TestHost.CreateAsync(azurite, steps: new CapturingSteps());
        var run = await host.Get<BulkReprocessService>().StartAsync(new BulkRunRequest($"qtm-{Guid.NewGuid():N}/", null, DryRun: true), Ct);
        await new TableClient(host.ConnectionString, host.BulkRunsTable).DeleteAsync(Ct);
        var log = new CapturingLogger<BulkReprocessService>();

        await new BulkReprocessStep(ActivatorUtilities.CreateInstance<BulkReprocessService>(host.Services, log)).Run(run.RunId, Ct);

        var error = Assert.Single(log.Entries);
        Assert.Equal(LogLevel.Error, error.Level);
        Assert.Contains($"'{host.BulkRunsTable}'", error.Message, StringComparison.Ordinal);
        Assert.Contains(run.RunId, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bulk_step_without_the_job_table_logs_one_error_naming_the_table_completes_and_closes_the_run_as_stopped_saying_why()
    {
        // As above, with the run's record intact: the same error on every dequeue until the message was poisoned. Then the
        // step completed its message and left the run Pending, and GET said nothing was wrong until a later run closed it
        // Abandoned 6 hours on.
        var steps = new CapturingSteps();
        await using var host = await TestHost.CreateAsync(azurite, steps: steps);
        var prefix = $"qtm-{Guid.NewGuid():N}/";
        await host.Blobs.GetBlobContainerClient(BlobLayout.ArchiveContainer).UploadBlobAsync(prefix + "scan.png", BinaryData.FromBytes(ScanBytes.Png()), Ct);
        var bulk = host.Get<BulkReprocessService>();
        var run = await bulk.StartAsync(new BulkRunRequest(prefix, null, DryRun: false), Ct);
        await host.JobsTable.DeleteAsync(Ct);
        var log = new CapturingLogger<BulkReprocessService>();

        await new BulkReprocessStep(ActivatorUtilities.CreateInstance<BulkReprocessService>(host.Services, log)).Run(run.RunId, Ct);

        var error = Assert.Single(log.Entries, e => e.Level == LogLevel.Error);
        Assert.Contains($"'{host.JobsTable.Name}'", error.Message, StringComparison.Ordinal);
        Assert.Contains(run.RunId, error.Message, StringComparison.Ordinal);
        var after = (await bulk.GetAsync(run.RunId, Ct))!;
        Assert.Equal((0, 0L), (after.Pages, after.Published));
        Assert.Equal(BulkRunState.Stopped, after.State);
        Assert.NotNull(after.FinishedAt);
        Assert.Null(after.Continuation);
        Assert.Equal([run.RunId], steps.Requested); // the first step only: none asked for by the failed one
        var shown = await host.Function<GetReprocessRun>().Run(HttpRequests.Create("GET"), run.RunId, Ct);
        var progress = Assert.IsType<BulkRunProgress>(Assert.IsType<Microsoft.AspNetCore.Mvc.OkObjectResult>(shown).Value);
        Assert.Equal(BulkRunState.Stopped, progress.State);
        Assert.Equal(BulkRunStopReason.JobTableMissing, progress.Stop!.Reason);
        Assert.Contains($"'{host.JobsTable.Name}'", progress.Stop.Detail, StringComparison.Ordinal);
        // A step of the stopped run still on the queue (a duplicate message) does nothing.
        Assert.Equal(BulkStepOutcome.Stopped, (await bulk.RunStepAsync(run.RunId, TimeSpan.FromHours(1), Ct)).Outcome);
    }

    [Fact]
    public async Task An_archive_deletion_without_the_job_table_logs_one_error_naming_the_table_and_comes_back_on_the_queue_to_be_carried_out_once_it_is_restored()
    {
        // The event threw the typed error on each of its 10 dequeues, went to archive-deletions-poison, was replayed an hour
        // later and failed ten times again, each time with only the host's exception log.
        await using var host = await TestHost.CreateAsync(azurite, ownStorageAccount: true);
        var (source, scanId) = await ArchiveDeletionTests.ProcessedArchiveScanAsync(host, $"held-{Guid.NewGuid():N}.dcm");
        await source.DeleteAsync(cancellationToken: Ct);
        var queue = host.Get<QueueServiceClient>().GetQueueClient(ArchiveDeletionHandler.QueueName);
        await queue.CreateIfNotExistsAsync(cancellationToken: Ct);
        await host.JobsTable.DeleteAsync(Ct);
        var log = new CapturingLogger<ArchiveDeletionHandler>();
        var sent = new SendingQueues(host.ConnectionString);
        var trigger = new ArchiveSourceDeleted(ActivatorUtilities.CreateInstance<ArchiveDeletionHandler>(host.Services, log, sent));
        var message = BlobDeletedEvents.For(source.Uri);

        await trigger.Run(message, Ct);

        var error = Assert.Single(log.Entries);
        Assert.Equal(LogLevel.Error, error.Level);
        Assert.Contains($"'{host.JobsTable.Name}'", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, (await queue.GetPropertiesAsync(Ct)).Value.ApproximateMessagesCount); // hidden until it is due again
        Assert.Single(await host.BlobNamesAsync(BlobLayout.ResultsContainer, scanId));
        // Hidden for the hour and never expiring (-1): a message with the queue's default time to live (7 days) would
        // drop the owner's deletion for good if the table stayed missing that long.
        var putBack = Assert.Single(sent.Messages);
        Assert.Equal((ArchiveDeletionHandler.QueueName, ArchiveDeletionHandler.TableMissingDelay, TimeSpan.FromSeconds(-1)), (putBack.Queue, putBack.VisibilityTimeout, putBack.TimeToLive));

        // Once the table is restored, the event put back on the queue, as the trigger reads it (base64-decoded), erases
        // the results (the original message went on to complete; only the copy put back is delivered again).
        await host.JobsTable.CreateAsync(Ct);
        await trigger.Run(System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(putBack.Text)), Ct);

        Assert.Empty(await host.BlobNamesAsync(BlobLayout.ResultsContainer, scanId));
    }

    /// <summary>The storage account's queues, recording what is sent to them (the queue, the text as sent, its visibility and time to live).</summary>
    private sealed class SendingQueues(string connectionString) : QueueServiceClient(connectionString)
    {
        private readonly string account = connectionString;

        public List<(string Queue, string Text, TimeSpan? VisibilityTimeout, TimeSpan? TimeToLive)> Messages { get; } = [];

        public override QueueClient GetQueueClient(string queueName) => new Recording(account, queueName, this);

        private sealed class Recording(string connectionString, string queueName, SendingQueues queues) : QueueClient(connectionString, queueName)
        {
            public override Task<Azure.Response<Azure.Storage.Queues.Models.SendReceipt>> SendMessageAsync(string messageText, TimeSpan? visibilityTimeout = null, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default)
            {
                queues.Messages.Add((Name, messageText, visibilityTimeout, timeToLive));
                return base.SendMessageAsync(messageText, visibilityTimeout, timeToLive, cancellationToken);
            }
        }
    }
}
