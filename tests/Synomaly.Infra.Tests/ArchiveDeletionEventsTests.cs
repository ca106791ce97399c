using Synomaly.Contracts;

namespace Synomaly.Infra.Tests;

/// <summary>
/// The archive's BlobDeleted events reach the queue the Functions app reads, with the topic's identity (no keys), and
/// are never dropped silently: no queue expiry, and dead letters when delivery keeps failing.
/// </summary>
public sealed class ArchiveDeletionEventsTests
{
    // QueueName and BlobDeleted (this project does not load the Functions assembly).
    private const string QueueName = "archive-deletions";
    private const string BlobDeleted = "Microsoft.Storage.BlobDeleted";

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Blob_deletions_in_the_archive_go_to_the_queue_the_functions_app_reads(string parameterFile)
    {
        var deployment = PredictedDeployment.Load(parameterFile);
        var subscription = deployment.Single("Microsoft.EventGrid/systemTopics/eventSubscriptions", "archive-blob-deleted");
        var queues = deployment.OfType("Microsoft.Storage/storageAccounts/queueServices/queues")
            .Where(q => q.Name.StartsWith("stscan", StringComparison.Ordinal)).Select(q => q.Name.Split('/')[^1]).ToList();
        var destination = subscription.At("properties.deliveryWithResourceIdentity.destination");
        var scanAccount = deployment.Single("Microsoft.Storage/storageAccounts", "stscan");

        Assert.Equal([BlobDeleted], subscription.At("properties.filter.includedEventTypes").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal($"/blobServices/default/containers/{BlobLayout.ArchiveContainer}/", subscription.String("properties.filter.subjectBeginsWith"));
        Assert.Equal("EventGridSchema", subscription.String("properties.eventDeliverySchema"));
        Assert.Equal("SystemAssigned", subscription.String("properties.deliveryWithResourceIdentity.identity.type"));
        Assert.Equal("StorageQueue", destination.GetProperty("endpointType").GetString());
        Assert.Equal(QueueName, destination.GetProperty("properties").GetProperty("queueName").GetString());
        Assert.Equal(scanAccount.Id, destination.GetProperty("properties").GetProperty("resourceId").GetString());
        Assert.Equal(-1, destination.GetProperty("properties").GetProperty("queueMessageTimeToLiveInSeconds").GetInt32());
        Assert.Contains(QueueName, queues);
        Assert.Contains(QueueName + "-poison", queues);
    }

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Undeliverable_archive_deletion_events_are_dead_lettered_with_the_topic_identity(string parameterFile)
    {
        var subscription = PredictedDeployment.Load(parameterFile).Single("Microsoft.EventGrid/systemTopics/eventSubscriptions", "archive-blob-deleted");
        var deadLetter = subscription.At("properties.deadLetterWithResourceIdentity");

        Assert.Equal("SystemAssigned", deadLetter.GetProperty("identity").GetProperty("type").GetString());
        Assert.Equal("eventgrid-deadletter", deadLetter.GetProperty("deadLetterDestination").GetProperty("properties").GetProperty("blobContainerName").GetString());
        Assert.True(subscription.At("properties.retryPolicy.maxDeliveryAttempts").GetInt32() >= 10);
    }
}
