using System.Runtime.ExceptionServices;
using System.Text.Json;
using System.Threading.Channels;
using Azure;
using Azure.Storage.Blobs;
using Microsoft.Azure.WebJobs.Host;
using Microsoft.Azure.WebJobs.Host.Timers;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Synomaly.Contracts;
using Synomaly.Functions.Services.Archive;
using Synomaly.Functions.Services.Bulk;
using Synomaly.Functions.Services.Uploads;
using Synomaly.Storage.Jobs;
using Synomaly.Storage.Keys;
using Synomaly.Storage.Messaging;
using Synomaly.Testing;

namespace Synomaly.DevHost.Tests;

/// <summary>
/// The local trigger host on Azurite with its real WebJobs blob, queue and timer triggers. One host per test, each with
/// its own ScanJob queue; the tests of this class run one after another so only one host watches the scans container.
/// </summary>
[Trait("Category", "Integration")]
public sealed class DevHostPipelineTests(AzuriteFixture azurite)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(IHost Host, QueueClient Queue)> StartAsync()
    {
        var (settings, queue) = Settings();
        var host = await DevHostRunner.StartAsync(settings, Ct);
        return (host, queue);
    }

    /// <summary>Host settings with a ScanJob queue of its own, and that queue.</summary>
    private (Dictionary<string, string?> Settings, QueueClient Queue) Settings()
    {
        var queueName = "jobs-" + Guid.NewGuid().ToString("N")[..12];
        var settings = new Dictionary<string, string?>
        {
            ["ScansStorage"] = azurite.ConnectionString,
            ["Intake:ModelName"] = "brain-mri-demo",
            ["Intake:ModelVersion"] = "v1",
            ["Intake:QueueName"] = queueName,
        };
        return (settings, new QueueClient(azurite.ConnectionString, queueName));
    }

    private static byte[] DicomLikeBytes()
    {
        var bytes = new byte[1024];
        "DICM"u8.CopyTo(bytes.AsSpan(128));
        return bytes;
    }

    private static async Task<T> PollAsync<T>(Func<Task<T?>> probe, Func<T, bool> done, string what)
    {
        var deadline = DateTimeOffset.UtcNow + Patience;
        while (DateTimeOffset.UtcNow < deadline)
        {
            if (await probe() is { } value && done(value))
            {
                return value;
            }

            await Task.Delay(250, Ct);
        }

        throw new TimeoutException($"Waited {Patience.TotalSeconds} s for {what}.");
    }

    [Fact]
    public async Task The_blob_trigger_runs_with_the_poison_threshold_and_parallelism_that_host_json_gives_azure()
    {
        var (host, _) = await StartAsync();
        using var _ = host;
        var options = host.Services.GetRequiredService<IOptions<BlobsOptions>>().Value;

        using var hostJson = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(TestPaths.RepositoryRoot, "host.json"), Ct));
        var blobs = hostJson.RootElement.GetProperty("extensions").GetProperty("blobs");
        Assert.Equal(blobs.GetProperty("poisonBlobThreshold").GetInt32(), options.PoisonBlobThreshold);
        Assert.Equal(blobs.GetProperty("maxDegreeOfParallelism").GetInt32(), options.MaxDegreeOfParallelism);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task The_queue_triggers_retry_a_failed_message_as_often_and_as_far_apart_as_host_json_tells_azure()
    {
        var (host, _) = await StartAsync();
        using var _ = host;
        var options = host.Services.GetRequiredService<IOptions<QueuesOptions>>().Value;

        using var hostJson = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(TestPaths.RepositoryRoot, "host.json"), Ct));
        var queues = hostJson.RootElement.GetProperty("extensions").GetProperty("queues");
        Assert.Equal(TimeSpan.Parse(queues.GetProperty("visibilityTimeout").GetString()!, System.Globalization.CultureInfo.InvariantCulture), options.VisibilityTimeout);
        Assert.Equal(queues.GetProperty("maxDequeueCount").GetInt32(), options.MaxDequeueCount);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task An_upload_through_the_sas_url_becomes_one_queued_job_with_the_deterministic_message_id()
    {
        var (host, queue) = await StartAsync();
        using var _ = host;
        var ticket = await host.Services.GetRequiredService<UploadService>().CreateAsync("brain.dcm", Ct);
        var uploaded = await new BlobClient(ticket.UploadUrl).UploadAsync(BinaryData.FromBytes(DicomLikeBytes()), Ct);

        var jobs = host.Services.GetRequiredService<JobStore>();
        var record = await PollAsync(() => jobs.GetAsync(ticket.ScanId, "v1", Ct), r => r.QueuedAt is not null, "the blob trigger to queue the job");
        var expectedId = ScanJob.CreateMessageId(ticket.ScanId, uploaded.Value.ETag.ToString(), "v1");
        Assert.Equal(JobState.Queued, record.State);
        Assert.Equal(expectedId, record.MessageId);
        Assert.Equal(ScanFormat.Dicom, record.DetectedFormat);

        // Give the polling trigger time to fire again if it were going to: the blob receipt must stop it.
        await Task.Delay(TimeSpan.FromSeconds(4), Ct);
        var messages = (await queue.ReceiveMessagesAsync(maxMessages: 32, cancellationToken: Ct)).Value;
        var job = StorageQueueMessageCodec.Decode(Assert.Single(messages).MessageText);
        Assert.Equal(expectedId, job.MessageId);
        Assert.Equal(ticket.UploadUrl.GetLeftPart(UriPartial.Path), job.SourceBlobUri!.AbsoluteUri);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task A_bulk_run_is_worked_by_the_hosts_queue_trigger_to_completion()
    {
        var (host, queue) = await StartAsync();
        using var _ = host;
        var prefix = $"devhost-{Guid.NewGuid():N}/";
        var archive = host.Services.GetRequiredService<BlobServiceClient>().GetBlobContainerClient(BlobLayout.ArchiveContainer);
        for (var i = 0; i < 12; i++)
        {
            await archive.UploadBlobAsync($"{prefix}{i:D3}.dcm", BinaryData.FromBytes(DicomLikeBytes()), Ct);
        }

        var bulk = host.Services.GetRequiredService<BulkReprocessService>();
        var run = await bulk.StartAsync(new BulkRunRequest(prefix, null, false), Ct);

        var done = await PollAsync(() => bulk.GetAsync(run.RunId, Ct), r => r.State == BulkRunState.Completed, "the bulk step trigger to complete the run");
        Assert.Equal((12L, 12L), (done.Listed, done.Published));
        var properties = (await queue.GetPropertiesAsync(Ct)).Value;
        Assert.Equal(12, properties.ApproximateMessagesCount);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task A_bulk_step_message_in_the_poison_queue_closes_its_run_as_stopped_and_a_garbled_one_is_removed()
    {
        // Nothing read bulk-reprocess-poison: the run of a step the host gave up on looked open until a later run closed it.
        var (host, _) = await StartAsync();
        using var _ = host;
        var (run, _) = await host.Services.GetRequiredService<BulkRunStore>().CreateAsync(new BulkRun
        {
            RunId = "r-" + Guid.NewGuid().ToString("N"),
            ModelName = "brain-mri-demo",
            ModelVersion = "v1",
            State = BulkRunState.Running,
            Continuation = "Doe Jane/2024/scan.dcm",
            Pages = 1,
            CreatedAt = DateTimeOffset.UtcNow,
            UpdatedAt = DateTimeOffset.UtcNow,
        }, Ct);
        // As the host writes a poison copy: the step message's text (the run id, base64) as it was.
        var poison = new QueueClient(azurite.ConnectionString, StorageQueueBulkStepQueue.PoisonQueueName);
        await poison.CreateIfNotExistsAsync(cancellationToken: Ct);
        await poison.SendMessageAsync(QueueTriggerText.Encode("not a run id"), Ct);
        await poison.SendMessageAsync(QueueTriggerText.Encode(run.RunId), Ct);

        var bulk = host.Services.GetRequiredService<BulkReprocessService>();
        var closed = await PollAsync(() => bulk.GetAsync(run.RunId, Ct), r => r.State != BulkRunState.Running, "the poison queue trigger to close the run");
        Assert.Equal((BulkRunState.Stopped, BulkRunStopReason.StepPoisoned), (closed.State, closed.StopReason));
        Assert.Null(closed.Continuation);
        // The garbled message is completed too, not retried for ever.
        await PollAsync(async () => (int?)(await poison.PeekMessagesAsync(maxMessages: 32, Ct)).Value.Length, n => n == 0, "the poison queue to be emptied");
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task An_archive_deletion_event_on_its_queue_erases_what_a_bulk_run_derived_from_that_source()
    {
        var (host, _) = await StartAsync();
        using var _ = host;
        var prefix = $"devhost-{Guid.NewGuid():N}/";
        var blobs = host.Services.GetRequiredService<BlobServiceClient>();
        var archive = blobs.GetBlobContainerClient(BlobLayout.ArchiveContainer);
        var deleted = archive.GetBlobClient(prefix + "patient a/1.dcm");
        var kept = archive.GetBlobClient(prefix + "patient b/1.dcm");
        foreach (var blob in new[] { deleted, kept })
        {
            await blob.UploadAsync(BinaryData.FromBytes(DicomLikeBytes()), Ct);
        }

        var bulk = host.Services.GetRequiredService<BulkReprocessService>();
        var run = await bulk.StartAsync(new BulkRunRequest(prefix, null, false), Ct);
        await PollAsync(() => bulk.GetAsync(run.RunId, Ct), r => r.State == BulkRunState.Completed, "the bulk run to complete");
        var jobs = host.Services.GetRequiredService<JobStore>();
        var results = blobs.GetBlobContainerClient(BlobLayout.ResultsContainer);
        // The ids as another process (the worker) computes them: from the key the run created on this account, read anew.
        var key = await new ArchiveScanIdKeyStore(blobs, mayCreate: false, Microsoft.Extensions.Logging.Abstractions.NullLogger<ArchiveScanIdKeyStore>.Instance).GetAsync(Ct);
        var scanIds = new[] { BlobLayout.ArchiveScanId(deleted.Name, key), BlobLayout.ArchiveScanId(kept.Name, key) };
        foreach (var scanId in scanIds)
        {
            await results.UploadBlobAsync(BlobLayout.ResultsPrefix(scanId, "v1", "0x1") + BlobLayout.ReportFile, BinaryData.FromString("{}"), Ct);
        }

        // What the owner's deletion makes Event Grid write to the queue (base64, as Event Grid and the trigger use).
        await deleted.DeleteAsync(cancellationToken: Ct);
        var events = new QueueClient(azurite.ConnectionString, ArchiveDeletionHandler.QueueName, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        await events.SendMessageAsync(BlobDeletedEvents.For(deleted.Uri), Ct);

        // The erasure marks the record first and deletes the blobs after it: wait for the last step.
        var erasedResult = results.GetBlobClient(BlobLayout.ResultsPrefix(scanIds[0], "v1", "0x1") + BlobLayout.ReportFile);
        await PollAsync<string>(async () => await erasedResult.ExistsAsync(Ct) ? null : "gone", _ => true, "the queue trigger to erase the deleted source's results");
        var tombstone = (await jobs.GetAsync(scanIds[0], "v1", Ct))!;
        Assert.True(tombstone.IsDeleted);
        Assert.Null(tombstone.ResultPrefix);
        Assert.True(await results.GetBlobClient(BlobLayout.ResultsPrefix(scanIds[1], "v1", "0x1") + BlobLayout.ReportFile).ExistsAsync(Ct));
        Assert.False((await jobs.GetAsync(scanIds[1], "v1", Ct))!.IsDeleted);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task A_listener_fault_restarts_the_host_instead_of_ending_the_process_and_uploads_after_it_are_queued()
    {
        var (settings, _) = Settings();
        var hosts = Channel.CreateUnbounded<IHost>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var run = DevHostRunner.RunAsync(settings, stop.Token, h => hosts.Writer.TryWrite(h));
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        patience.CancelAfter(Patience);
        var first = await hosts.Reader.ReadAsync(patience.Token);

        // What the blob listener reports when its receipt lease was lost in a storage restart (seen in CI). The SDK's
        // default handler rethrows this on a new thread, which would end this test process.
        var lostLease = new RequestFailedException(412, "The lease ID is not present with the blob operation.", "LeaseNotPresentWithBlobOperation", null);
        await first.Services.GetRequiredService<IWebJobsExceptionHandler>().OnUnhandledExceptionAsync(ExceptionDispatchInfo.Capture(lostLease));

        var second = await hosts.Reader.ReadAsync(patience.Token);
        Assert.NotSame(first, second);
        Assert.False(run.IsCompleted);
        var ticket = await second.Services.GetRequiredService<UploadService>().CreateAsync("brain.dcm", Ct);
        await new BlobClient(ticket.UploadUrl).UploadAsync(BinaryData.FromBytes(DicomLikeBytes()), Ct);
        var jobs = second.Services.GetRequiredService<JobStore>();
        var record = await PollAsync(() => jobs.GetAsync(ticket.ScanId, "v1", Ct), r => r.QueuedAt is not null, "the restarted host to queue the job");
        Assert.Equal(JobState.Queued, record.State);

        await stop.CancelAsync();
        await run.WaitAsync(patience.Token); // ends quietly when asked to stop
    }

    [Fact]
    public void The_name_resolver_reads_app_setting_names_with_double_underscores()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Bulk:Schedule"] = "0 */5 * * * *", ["Flat"] = "x" })
            .Build();
        var resolver = new ConfigurationNameResolver(configuration);
        Assert.Equal("0 */5 * * * *", resolver.Resolve("Bulk__Schedule"));
        Assert.Equal("x", resolver.Resolve("Flat"));
        Assert.Null(resolver.Resolve("Missing__Setting"));
    }
}
