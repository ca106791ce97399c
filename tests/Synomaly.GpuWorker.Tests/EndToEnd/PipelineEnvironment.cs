using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Logging.Abstractions;
using Synomaly.Contracts;
using Synomaly.GpuWorker.Messaging;
using Synomaly.Storage.Jobs;
using Synomaly.Storage.Keys;
using Synomaly.Storage.Messaging;
using Synomaly.Testing;

namespace Synomaly.GpuWorker.Tests.EndToEnd;

/// <summary>
/// What the Functions intake leaves for the worker, on Azurite: the scan blob, a Queued job record and a ScanJob on a
/// Storage queue of this test's own; and the worker's settings for that queue.
/// </summary>
internal sealed class PipelineEnvironment
{
    private readonly AzuriteFixture azurite;
    private readonly BlobServiceClient blobs;
    private readonly QueueClient queue;

    private PipelineEnvironment(AzuriteFixture azurite)
    {
        this.azurite = azurite;
        blobs = new BlobServiceClient(azurite.ConnectionString);
        QueueName = "e2e-" + Guid.NewGuid().ToString("N")[..12];
        var queues = new QueueServiceClient(azurite.ConnectionString);
        queue = queues.GetQueueClient(QueueName);
        Poison = queues.GetQueueClient(StorageQueueScanJobSource.PoisonQueueName(QueueName));
        Jobs = new JobStore(new TableServiceClient(azurite.ConnectionString));
    }

    public string QueueName { get; }

    public QueueClient Poison { get; }

    public JobStore Jobs { get; }

    public BlobContainerClient Results => blobs.GetBlobContainerClient(BlobLayout.ResultsContainer);

    public static async Task<PipelineEnvironment> CreateAsync(AzuriteFixture azurite, CancellationToken cancellationToken)
    {
        var environment = new PipelineEnvironment(azurite);
        await environment.blobs.GetBlobContainerClient(BlobLayout.ScansContainer).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await environment.Results.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await environment.blobs.GetBlobContainerClient(ArchiveScanIdKeyStore.ContainerName).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await environment.queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await environment.Poison.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await environment.Jobs.EnsureCreatedAsync(cancellationToken);
        return environment;
    }

    /// <summary>
    /// A 3-second Storage Queue lock by default, so that a killed worker's message is soon visible again; a worker that
    /// must hold one delivery throughout (an exact attempt count) takes a longer one, since on a loaded 2-core machine a
    /// renewal every 1.5 s can come late and let the lock lapse.
    /// </summary>
    public Dictionary<string, string> WorkerSettings(int maxBatchSize = 8, int lockSeconds = 3) => new()
    {
        ["Worker__Transport"] = "StorageQueue",
        ["Worker__QueueName"] = QueueName,
        ["Worker__Device"] = "cpu",
        ["Worker__MaxBatchSize"] = maxBatchSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Worker__MaxBatchWaitMilliseconds"] = "20",
        ["Worker__MaxDeliveryCount"] = "3",
        ["Worker__StorageQueueLockSeconds"] = lockSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Worker__ShutdownDeadlineSeconds"] = "5",
        ["ScansStorage"] = azurite.ConnectionString,
        ["Model__Source"] = "Directory",
        ["Model__Directory"] = TinyModel.Directory,
        ["Model__Name"] = TinyModel.Name,
        ["Model__Version"] = TinyModel.Version,
    };

    /// <summary>
    /// Uploads the scan, records the job as Queued and publishes its ScanJob, as the intake does; an older
    /// <paramref name="schemaVersion"/> stands for a message queued before an upgrade.
    /// </summary>
    public async Task<ScanJob> SubmitAsync(string scanId, byte[] scan, CancellationToken cancellationToken, int schemaVersion = ScanJob.CurrentSchemaVersion)
    {
        var blob = blobs.GetBlobContainerClient(BlobLayout.ScansContainer).GetBlobClient(BlobLayout.UploadPath(scanId, "upload.nii.gz"));
        var uploaded = await blob.UploadAsync(BinaryData.FromBytes(scan), overwrite: true, cancellationToken);
        var job = new ScanJob
        {
            ScanId = scanId,
            SourceBlobUri = blob.Uri,
            SourceETag = uploaded.Value.ETag.ToString(),
            DetectedFormat = ScanFormat.NiftiGzip,
            ModelName = TinyModel.Name,
            ModelVersion = TinyModel.Version,
            CorrelationId = "e2e-" + scanId,
            SubmittedAt = DateTimeOffset.UtcNow,
            SchemaVersion = schemaVersion,
        };
        await Jobs.CreateAsync(new JobRecord { ScanId = scanId, ModelVersion = job.ModelVersion, ModelName = job.ModelName, MessageId = job.MessageId, QueuedAt = job.SubmittedAt }, cancellationToken);
        await new StorageQueueScanJobPublisher(queue).PublishAsync(job, cancellationToken: cancellationToken);
        return job;
    }

    /// <summary>
    /// Archives the scan under <paramref name="archiveName"/> and queues it as a reprocessing run does: its scan id is the
    /// one the archive name gives under the account's key, which this creates on first use as the Functions app does (the
    /// worker, a process of its own, reads the key and reads the blob for no other id), the job record names the archive
    /// path, the message does not. Without <paramref name="withRecord"/> only the message is queued.
    /// </summary>
    public async Task<ScanJob> SubmitArchivedAsync(string archiveName, byte[] scan, bool withRecord, CancellationToken cancellationToken)
    {
        var scanId = await new ArchiveScanIdKeyStore(blobs, mayCreate: true, NullLogger<ArchiveScanIdKeyStore>.Instance).ScanIdOfAsync(archiveName, cancellationToken);
        var archive = blobs.GetBlobContainerClient(BlobLayout.ArchiveContainer);
        await archive.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        var blob = archive.GetBlobClient(archiveName);
        var archived = await blob.UploadAsync(BinaryData.FromBytes(scan), overwrite: true, cancellationToken);
        var job = new ScanJob
        {
            ScanId = scanId,
            SourceBlobUri = blob.Uri,
            SourceETag = archived.Value.ETag.ToString(),
            ModelName = TinyModel.Name,
            ModelVersion = TinyModel.Version,
            Origin = JobOrigin.Bulk,
            CorrelationId = "e2e-run",
            SubmittedAt = DateTimeOffset.UtcNow,
        };
        if (withRecord)
        {
            await Jobs.CreateAsync(new JobRecord { ScanId = scanId, ModelVersion = job.ModelVersion, ModelName = job.ModelName, Origin = JobOrigin.Bulk, SourceBlobUri = blob.Uri, SourceETag = job.SourceETag, MessageId = job.MessageId, QueuedAt = job.SubmittedAt }, cancellationToken);
        }

        await new StorageQueueScanJobPublisher(queue).PublishAsync(job.ForQueue(), cancellationToken: cancellationToken);
        return job.ForQueue();
    }

    /// <summary>The JSON of every message in the poison queue: what a dead letter keeps of its ScanJob.</summary>
    public async Task<List<string>> PoisonBodiesAsync(CancellationToken cancellationToken) =>
        [.. (await PoisonMessagesAsync(cancellationToken)).Select(m => System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(m.Body)))];

    /// <summary>Polls the job record until <paramref name="done"/> holds; fails with the worker's output after the timeout.</summary>
    public async Task<JobRecord> WaitForAsync(ScanJob job, Func<JobRecord, bool> done, TimeSpan timeout, WorkerProcess worker, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (true)
        {
            var record = await Jobs.GetAsync(job.ScanId, job.ModelVersion, cancellationToken);
            if (record is not null && done(record))
            {
                return record;
            }

            if (DateTimeOffset.UtcNow > deadline || worker.HasExited)
            {
                Assert.Fail($"Job {job.ScanId} is {record?.State}; waited {timeout}. Worker output:\n{worker.Output}");
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    public async Task<List<string>> ResultNamesAsync(string scanId, CancellationToken cancellationToken)
    {
        var names = new List<string>();
        await foreach (var item in Results.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, scanId + "/", cancellationToken))
        {
            names.Add(item.Name);
        }

        return names;
    }

    /// <summary>Deletes the scan's upload and whatever results exist, as the Functions app's erasure does after the tombstone.</summary>
    public async Task EraseBlobsAsync(string scanId, CancellationToken cancellationToken)
    {
        foreach (var container in new[] { blobs.GetBlobContainerClient(BlobLayout.ScansContainer), Results })
        {
            await foreach (var item in container.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, scanId + "/", cancellationToken))
            {
                await container.GetBlobClient(item.Name).DeleteIfExistsAsync(cancellationToken: cancellationToken);
            }
        }
    }

    public async Task<List<DeadLetteredMessage>> PoisonMessagesAsync(CancellationToken cancellationToken) =>
        [.. (await Poison.PeekMessagesAsync(32, cancellationToken)).Value.Select(m => JsonSerializer.Deserialize(m.Body.ToString(), WorkerJsonContext.Default.DeadLetteredMessage)!)];

    public async Task<int> QueueLengthAsync(CancellationToken cancellationToken) =>
        (await queue.GetPropertiesAsync(cancellationToken)).Value.ApproximateMessagesCount;

    /// <summary>
    /// Waits until the queue is empty and the poison queue holds <paramref name="poisoned"/> messages (or the timeout ends;
    /// the caller's assertions then say what is left). The worker writes the job record before it settles the message, so
    /// a terminal record does not yet mean a settled queue.
    /// </summary>
    public async Task WaitUntilSettledAsync(int poisoned, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (DateTimeOffset.UtcNow < deadline
            && (await QueueLengthAsync(cancellationToken) > 0 || (await PoisonMessagesAsync(cancellationToken)).Count != poisoned))
        {
            await Task.Delay(100, cancellationToken);
        }
    }
}
