using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Synomaly.Contracts;
using Synomaly.Functions.Extensions;
using Synomaly.Functions.Services.Bulk;
using Synomaly.Functions.Services.Erasure;
using Synomaly.Functions.Services.Intake;
using Synomaly.Functions.Services.Sweeps;
using Synomaly.Functions.Triggers;
using Synomaly.Storage.Jobs;
using Synomaly.Storage.Keys;
using Synomaly.Storage.Messaging;
using Synomaly.Testing;

namespace Synomaly.Functions.Tests;

/// <summary>
/// The Functions app's real service composition on the shared Azurite, with a job table and a bulk run table of its own
/// per test (so list queries see only this test's records, and a run starting closes no other test's runs as stalled) and
/// the publisher and step queue the test chooses. The blob containers are the
/// product's fixed ones (scans, results, archive), shared by every test on the shared account; a test that sweeps a whole
/// container asks for a storage account of its own (<c>ownStorageAccount</c>).
/// </summary>
internal sealed class TestHost : IAsyncDisposable
{
    private readonly ServiceProvider provider;

    private TestHost(ServiceProvider provider, string connectionString, string bulkRunsTable, TableClient jobsTable)
    {
        this.provider = provider;
        ConnectionString = connectionString;
        BulkRunsTable = bulkRunsTable;
        JobsTable = jobsTable;
    }

    public string ConnectionString { get; }

    /// <summary>This host's bulk run table: pass it to a second host that is to go on with this host's runs (a restart).</summary>
    public string BulkRunsTable { get; }

    /// <summary>This host's job table itself, past <see cref="JobStore"/>: to read a row as stored.</summary>
    public TableClient JobsTable { get; }

    public IServiceProvider Services => provider;

    public BlobServiceClient Blobs => provider.GetRequiredService<BlobServiceClient>();

    public JobStore Jobs => provider.GetRequiredService<JobStore>();

    public T Get<T>() where T : notnull => provider.GetRequiredService<T>();

    /// <summary>A function class built by the container, as the Functions host builds it.</summary>
    public T Function<T>() where T : class => ActivatorUtilities.CreateInstance<T>(provider);

    public static async Task<TestHost> CreateAsync(
        AzuriteFixture azurite,
        Dictionary<string, string?>? settings = null,
        IScanJobPublisher? publisher = null,
        IBulkStepQueue? steps = null,
        TimeProvider? clock = null,
        Func<TableClient, TimeProvider, JobStore>? jobStore = null,
        bool ownStorageAccount = false,
        string? bulkRunsTable = null,
        TableClientOptions? tableOptions = null)
    {
        var connectionString = ownStorageAccount ? azurite.PrivateAccountConnectionString() : azurite.ConnectionString;
        var values = new Dictionary<string, string?>
        {
            ["ScansStorage"] = connectionString,
            ["Intake:ModelName"] = "brain-mri-demo",
            ["Intake:ModelVersion"] = "v1",
            ["Intake:Transport"] = nameof(ScanJobTransport.InMemory),
            ["Intake:BlobTriggerSource"] = "LogsAndContainerScan",
            ["AzureWebJobs.ScanUploaded.Disabled"] = "true",
        };
        foreach (var (key, value) in settings ?? [])
        {
            values[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        if (clock is not null)
        {
            services.AddSingleton(clock);
        }

        if (publisher is not null)
        {
            services.AddSingleton(publisher);
        }

        if (steps is not null)
        {
            services.AddSingleton(steps);
        }

        if (!ownStorageAccount)
        {
            // The reconciliation takes in every upload in scans/, and deletes the append and page blobs among them: on the
            // shared account that is every other test class's uploads, while those tests run.
            services.AddSingleton<UploadReconciler>(_ => throw new InvalidOperationException(
                "The upload reconciliation sweeps the whole scans container, which the tests on the shared storage account write to: create this TestHost with ownStorageAccount: true."));
        }

        var jobsTable = new TableClient(connectionString, "jobs" + Guid.NewGuid().ToString("N")[..12], tableOptions);
        services.AddSingleton(provider => (jobStore ?? ((table, time) => new JobStore(table, time)))(jobsTable, provider.GetRequiredService<TimeProvider>()));
        services.AddSingleton(new ScanJobRows(jobsTable));
        // The sweeps' saved places are per host too: a sweep of one test must not resume where another stopped.
        var cursorTable = new TableClient(connectionString, "cursors" + Guid.NewGuid().ToString("N")[..12]);
        services.AddSingleton(new SweepCursorStore(cursorTable));
        bulkRunsTable ??= "bulkruns" + Guid.NewGuid().ToString("N")[..12];
        services.AddSingleton(new BulkRunStore(new TableClient(connectionString, bulkRunsTable, tableOptions)));
        services.AddSynomalyFunctions(configuration);
        var built = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });

        var ct = TestContext.Current.CancellationToken;
        var blobs = built.GetRequiredService<BlobServiceClient>();
        foreach (var container in new[] { BlobLayout.ScansContainer, BlobLayout.ResultsContainer, BlobLayout.ArchiveContainer, ArchiveScanIdKeyStore.ContainerName })
        {
            await blobs.GetBlobContainerClient(container).CreateIfNotExistsAsync(cancellationToken: ct);
        }

        await built.GetRequiredService<JobStore>().EnsureCreatedAsync(ct);
        await cursorTable.CreateIfNotExistsAsync(ct);
        await built.GetRequiredService<BulkRunStore>().EnsureCreatedAsync(ct);
        if (values.TryGetValue("Intake:QueueName", out var queueName) && queueName is not null)
        {
            await built.GetRequiredService<QueueServiceClient>().GetQueueClient(queueName).CreateIfNotExistsAsync(cancellationToken: ct);
        }

        return new TestHost(built, connectionString, bulkRunsTable, jobsTable);
    }

    /// <summary>
    /// The scan id of archive blob <paramref name="archiveBlobName"/> under the account's key, as the app computes it (the
    /// key is created on the account's first use and shared by every host on it).
    /// </summary>
    public Task<string> ArchiveScanIdAsync(string archiveBlobName) => Get<ArchiveScanIdKeyStore>().ScanIdOfAsync(archiveBlobName, TestContext.Current.CancellationToken);

    /// <summary>Uploads bytes to scans/{name} and returns a BlobClient for it, as the blob trigger binds one.</summary>
    public async Task<BlobClient> UploadScanAsync(string name, byte[] content, IDictionary<string, string>? metadata = null)
    {
        var blob = Blobs.GetBlobContainerClient(BlobLayout.ScansContainer).GetBlobClient(name);
        await blob.UploadAsync(BinaryData.FromBytes(content), new Azure.Storage.Blobs.Models.BlobUploadOptions { Metadata = metadata }, TestContext.Current.CancellationToken);
        return blob;
    }

    /// <summary>The names of the blobs under {scanId}/ in <paramref name="container"/>.</summary>
    public async Task<List<string>> BlobNamesAsync(string container, string scanId)
    {
        var names = new List<string>();
        await foreach (var item in Blobs.GetBlobContainerClient(container).GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = scanId + "/" }, TestContext.Current.CancellationToken))
        {
            names.Add(item.Name);
        }

        return names;
    }

    /// <summary>A job of model version v1 that Succeeded with three result files (report, heatmap, one overlay).</summary>
    public async Task<JobRecord> SucceededJobAsync(string scanId)
    {
        var ct = TestContext.Current.CancellationToken;
        var created = (await Jobs.CreateAsync(new JobRecord { ScanId = scanId, ModelVersion = "v1", ModelName = "brain-mri-demo", SourceETag = "0x1" }, ct)).Record!;
        var processing = (await Jobs.TransitionAsync(created, JobState.Processing, r => r with { Attempts = 1, StartedAt = DateTimeOffset.UtcNow }, ct)).Record!;
        var prefix = BlobLayout.ResultsPrefix(scanId, "v1", "0x1");
        var results = Blobs.GetBlobContainerClient(BlobLayout.ResultsContainer);
        await results.UploadBlobAsync(prefix + BlobLayout.ReportFile, BinaryData.FromString("{\"score\":0.5}"), ct);
        await results.UploadBlobAsync(prefix + BlobLayout.HeatmapFile, BinaryData.FromBytes(ScanBytes.Png()), ct);
        await results.UploadBlobAsync(prefix + "overlays/0003.png", BinaryData.FromBytes(ScanBytes.Png()), ct);
        return (await Jobs.TransitionAsync(processing, JobState.Succeeded, r => r with { ResultPrefix = prefix, FinishedAt = DateTimeOffset.UtcNow }, ct)).Record!;
    }

    /// <summary>
    /// An upload taken in by intake whose job the worker then failed with <paramref name="errorCode"/> (by default: storage
    /// outages outlasted its attempts); returns its scan id.
    /// </summary>
    public async Task<string> FailedUploadAsync(string errorCode = "StorageUnavailable")
    {
        var ct = TestContext.Current.CancellationToken;
        var scanId = ScanBytes.NewScanId();
        await Function<ScanUploadedPolling>().Run(await UploadScanAsync($"{scanId}/scan.png", ScanBytes.Png()), ct);
        var queued = await Jobs.GetAsync(scanId, "v1", ct);
        var processing = (await Jobs.TransitionAsync(queued!, JobState.Processing, r => r with { Attempts = 5 }, ct)).Record!;
        await Jobs.TransitionAsync(processing, JobState.Failed, r => r with { ErrorCode = errorCode, ErrorMessage = "Gave up after 5 attempts." }, ct);
        return scanId;
    }

    /// <summary>
    /// Writes <paramref name="fields"/> into the row of <paramref name="scanId"/> and <paramref name="modelVersion"/>
    /// straight into the job table (merged into the row there, or a new row), past every check of <see cref="JobStore"/>:
    /// how a test makes a record this version cannot read (a state or origin it does not know, a source URI that is not a
    /// URI, a required field left out).
    /// </summary>
    public async Task WriteUnreadableJobRecordAsync(string scanId, string modelVersion, Dictionary<string, object> fields)
    {
        var entity = new TableEntity(fields) { PartitionKey = scanId, RowKey = modelVersion };
        await JobsTable.UpsertEntityAsync(entity, TableUpdateMode.Merge, TestContext.Current.CancellationToken);
    }

    public ValueTask DisposeAsync() => provider.DisposeAsync();
}
