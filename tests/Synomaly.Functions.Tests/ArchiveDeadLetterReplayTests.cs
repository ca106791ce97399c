using System.Text.Json.Nodes;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Logging.Abstractions;
using Synomaly.Functions.Services.Archive;
using Synomaly.Functions.Triggers;
using Synomaly.Testing;

namespace Synomaly.Functions.Tests;

/// <summary>
/// Archive deletion events Event Grid dead-lettered go back on their queue (timer ReplayArchiveDeadLetters). Each test
/// has its own dead-letter container and queue, so that one test's replay cannot take another's blobs.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ArchiveDeadLetterReplayTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_dead_lettered_deletion_goes_back_on_the_queue_never_expiring_and_its_handling_erases_the_scan()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var (source, scanId) = await ArchiveDeletionTests.ProcessedArchiveScanAsync(host, $"late {Guid.NewGuid():N}/série.dcm");
        await source.DeleteAsync(cancellationToken: Ct);
        var (deadLetters, queue, replay) = await IsolatedAsync();
        var blob = await DeadLetterAsync(deadLetters, ArchiveDeadLetterReplay.SubscriptionFolder, source.Uri);

        var outcome = await replay.RunAsync(Ct);

        Assert.Equal(new DeadLetterReplayOutcome(1, 1, 0, 0), outcome);
        Assert.False(await blob.ExistsAsync(Ct));
        var message = Assert.Single((await queue.ReceiveMessagesAsync(10, cancellationToken: Ct)).Value);
        Assert.Equal(9999, message.ExpiresOn!.Value.Year); // a time to live of -1: the message never expires
        await host.Function<ArchiveSourceDeleted>().Run(message.Body.ToString(), Ct); // the trigger gets the decoded text
        var record = (await host.Jobs.GetAsync(scanId, "v1", Ct))!;
        Assert.True(record.IsDeleted);
        Assert.Null(record.ResultPrefix);
    }

    [Fact]
    public async Task Every_event_of_a_blob_becomes_its_own_message_and_other_subscriptions_dead_letters_are_left_alone()
    {
        var (deadLetters, queue, replay) = await IsolatedAsync();
        var archive = new Uri("http://127.0.0.1:10000/devstoreaccount1/archive/");
        var names = new[] { "a/1.dcm", "b/2 + 3.dcm" };
        var both = await DeadLetterAsync(deadLetters, ArchiveDeadLetterReplay.SubscriptionFolder, [.. names.Select(n => new Uri(archive, Uri.EscapeDataString(n)))]);
        var other = await DeadLetterAsync(deadLetters, "SCAN-UPLOADED/", new Uri(archive, "c.dcm"));

        var outcome = await replay.RunAsync(Ct);

        Assert.Equal(new DeadLetterReplayOutcome(1, 2, 0, 0), outcome);
        Assert.False(await both.ExistsAsync(Ct));
        Assert.True(await other.ExistsAsync(Ct));
        var messages = (await queue.ReceiveMessagesAsync(10, cancellationToken: Ct)).Value;
        var parsed = messages.Select(m => ArchiveBlobDeletedEvent.Parse(m.Body)!.BlobName).Order(StringComparer.Ordinal);
        Assert.Equal(names, parsed);
    }

    [Fact]
    public async Task A_blob_that_is_not_an_array_of_events_stays_in_place_and_the_others_are_replayed()
    {
        var (deadLetters, queue, replay) = await IsolatedAsync();
        var folder = ArchiveDeadLetterReplay.SubscriptionFolder + "2026/12/5/9/";
        var notJson = deadLetters.GetBlobClient(folder + "not-json.json");
        var notArray = deadLetters.GetBlobClient(folder + "not-array.json");
        await notJson.UploadAsync(BinaryData.FromString("this is not JSON"), Ct);
        await notArray.UploadAsync(BinaryData.FromString("{\"eventType\":\"Microsoft.Storage.BlobDeleted\"}"), Ct);
        var good = await DeadLetterAsync(deadLetters, ArchiveDeadLetterReplay.SubscriptionFolder, new Uri("http://127.0.0.1:10000/devstoreaccount1/archive/d.dcm"));

        var outcome = await replay.RunAsync(Ct);

        Assert.Equal(new DeadLetterReplayOutcome(1, 1, 2, 0), outcome);
        Assert.True(await notJson.ExistsAsync(Ct));
        Assert.True(await notArray.ExistsAsync(Ct));
        Assert.False(await good.ExistsAsync(Ct));
        Assert.Single((await queue.ReceiveMessagesAsync(10, cancellationToken: Ct)).Value);
    }

    [Fact]
    public async Task A_replayed_blob_leaves_no_previous_version_that_names_the_archive_file()
    {
        // The account keeps versions: deleting the blob alone would keep its events, archive names included, for 30 days.
        var (deadLetters, queue, _) = await IsolatedAsync();
        var versioned = new VersionKeepingContainer(azurite.ConnectionString, deadLetters.Name);
        var replay = new ArchiveDeadLetterReplay(versioned, new QueueClient(azurite.ConnectionString, queue.Name), NullLogger<ArchiveDeadLetterReplay>.Instance);
        var blob = await DeadLetterAsync(deadLetters, ArchiveDeadLetterReplay.SubscriptionFolder, new Uri("http://127.0.0.1:10000/devstoreaccount1/archive/Doe%20Jane/1.dcm"));

        var outcome = await replay.RunAsync(Ct);

        Assert.Equal(new DeadLetterReplayOutcome(1, 1, 0, 1), outcome);
        Assert.Equal(blob.Name, Assert.Single(versioned.DeletedVersions).Name);
        Assert.False(await blob.ExistsAsync(Ct));
        Assert.Single((await queue.ReceiveMessagesAsync(10, cancellationToken: Ct)).Value);
    }

    [Fact]
    public async Task Previous_versions_of_dead_letters_deleted_earlier_go_too_and_those_of_a_blob_still_there_stay()
    {
        var (deadLetters, _, _) = await IsolatedAsync();
        var versioned = new VersionKeepingContainer(azurite.ConnectionString, deadLetters.Name);
        var replay = new ArchiveDeadLetterReplay(versioned, new QueueClient(azurite.ConnectionString, "replay-" + Guid.NewGuid().ToString("N")[..12]), NullLogger<ArchiveDeadLetterReplay>.Instance);
        // Deleted by an operator after reading it, or by a run stopped before it deleted the versions.
        var gone = ArchiveDeadLetterReplay.SubscriptionFolder + $"2026/12/4/9/{Guid.NewGuid()}.json";
        var goneVersion = versioned.AddPreviousVersion(gone);
        var unreadable = versioned.GetBlobClient(ArchiveDeadLetterReplay.SubscriptionFolder + $"2026/12/5/9/{Guid.NewGuid()}.json");
        await unreadable.UploadAsync(BinaryData.FromString("this is not JSON"), Ct);
        versioned.AddPreviousVersion(unreadable.Name);
        versioned.AddPreviousVersion($"SCAN-UPLOADED/2026/12/4/9/{Guid.NewGuid()}.json");

        var outcome = await replay.RunAsync(Ct);

        Assert.Equal(new DeadLetterReplayOutcome(0, 0, 1, 1), outcome);
        Assert.Equal((gone, goneVersion), Assert.Single(versioned.DeletedVersions));
    }

    [Fact]
    public async Task Without_a_dead_letter_container_the_replay_does_nothing()
    {
        var blobs = new BlobServiceClient(azurite.ConnectionString);
        var queue = new QueueClient(azurite.ConnectionString, "replay-" + Guid.NewGuid().ToString("N")[..12]);
        var replay = new ArchiveDeadLetterReplay(blobs.GetBlobContainerClient("missing-" + Guid.NewGuid().ToString("N")[..12]), queue, NullLogger<ArchiveDeadLetterReplay>.Instance);

        Assert.Equal(new DeadLetterReplayOutcome(0, 0, 0, 0), await replay.RunAsync(Ct));
        Assert.False(await queue.ExistsAsync(Ct));
    }

    /// <summary>
    /// A fresh dead-letter container and queue, and a replay between them. The receiving client decodes base64, as the
    /// queue trigger does.
    /// </summary>
    private async Task<(BlobContainerClient DeadLetters, QueueClient Queue, ArchiveDeadLetterReplay Replay)> IsolatedAsync()
    {
        string suffix = Guid.NewGuid().ToString("N")[..12];
        var deadLetters = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient("deadletter-" + suffix);
        await deadLetters.CreateAsync(cancellationToken: Ct);
        var sending = new QueueClient(azurite.ConnectionString, "replay-" + suffix);
        await sending.CreateAsync(cancellationToken: Ct);
        var receiving = new QueueClient(azurite.ConnectionString, sending.Name, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        return (deadLetters, receiving, new ArchiveDeadLetterReplay(deadLetters, sending, NullLogger<ArchiveDeadLetterReplay>.Instance));
    }

    /// <summary>
    /// A dead-letter blob as Event Grid writes one: under the subscription's folder, by date and hour, a JSON array of
    /// the events with the dead-letter properties added.
    /// </summary>
    private static async Task<BlobClient> DeadLetterAsync(BlobContainerClient deadLetters, string folder, params Uri[] deletedBlobs)
    {
        var events = new JsonArray();
        foreach (var deleted in deletedBlobs)
        {
            var gridEvent = JsonNode.Parse(BlobDeletedEvents.For(deleted))!.AsObject();
            gridEvent["deadLetterReason"] = "MaxDeliveryAttemptsExceeded";
            gridEvent["deliveryAttempts"] = 30;
            gridEvent["lastDeliveryOutcome"] = "NotFound";
            gridEvent["publishTime"] = "2026-12-04T09:00:00.0000000Z";
            gridEvent["lastDeliveryAttemptTime"] = "2026-12-05T09:00:00.0000000Z";
            events.Add(gridEvent);
        }

        var blob = deadLetters.GetBlobClient($"{folder}2026/12/5/9/{Guid.NewGuid()}.json");
        await blob.UploadAsync(BinaryData.FromString(events.ToJsonString()), Ct);
        return blob;
    }
}
