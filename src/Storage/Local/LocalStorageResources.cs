using Synomaly.Contracts;
using Synomaly.Storage.Keys;
using Synomaly.Storage.Messaging;

namespace Synomaly.Storage.Local;

/// <summary>
/// The containers, queues and tables a local environment creates on Azurite: those the Bicep templates create on the
/// scan-data account (infra/modules/scan-storage.bicep; Synomaly.Infra.Tests compares the two), plus the ScanJob queue
/// and its poison queue, which stand in locally for the Service Bus queue of a deployment. `synomaly up`, `demo`, `soak`
/// and the Functions app on development storage (<c>func start</c>, the dev host) all create this one list.
/// The Functions app's queue, table and container constants refer to these names, so each is spelled once.
/// </summary>
public static class LocalStorageResources
{
    /// <summary>The Functions app's bulk reprocessing checkpoints.</summary>
    public const string BulkRunsTable = "bulkruns";

    /// <summary>The Functions app's bulk reprocessing steps.</summary>
    public const string BulkReprocessQueue = "bulk-reprocess";

    /// <summary>The archive's BlobDeleted events, delivered by Event Grid.</summary>
    public const string ArchiveDeletionsQueue = "archive-deletions";

    /// <summary>Where the blob trigger puts uploads it gave up on.</summary>
    public const string BlobTriggerPoisonQueue = "webjobs-blobtrigger-poison";

    /// <summary>Event Grid's dead letters of undeliverable archive events.</summary>
    public const string EventGridDeadLetterContainer = "eventgrid-deadletter";

    public static IReadOnlyList<string> Containers { get; } =
        [BlobLayout.ScansContainer, BlobLayout.ResultsContainer, BlobLayout.ArchiveContainer, BlobLayout.ModelsContainer, EventGridDeadLetterContainer, ArchiveScanIdKeyStore.ContainerName];

    public static IReadOnlyList<string> Tables { get; } = [BlobLayout.JobsTable, BulkRunsTable];

    /// <summary>The storage queues the templates create (the Functions app's own, each with its poison queue).</summary>
    public static IReadOnlyList<string> TemplateQueues { get; } =
    [
        BlobTriggerPoisonQueue, BulkReprocessQueue, PoisonQueue.NameOf(BulkReprocessQueue), ArchiveDeletionsQueue, PoisonQueue.NameOf(ArchiveDeletionsQueue),
    ];

    /// <summary>Every queue of a local environment: the ScanJob queue named <paramref name="scanJobsQueue"/> and its poison queue, then <see cref="TemplateQueues"/>.</summary>
    public static IReadOnlyList<string> Queues(string scanJobsQueue = BlobLayout.ScanJobsQueue) =>
        [scanJobsQueue, PoisonQueue.NameOf(scanJobsQueue), .. TemplateQueues];
}
