using Azure.Storage.Queues;
using Microsoft.Extensions.Logging.Abstractions;
using Synomaly.Functions.Services.Archive;
using Synomaly.Functions.Triggers;
using Synomaly.Storage.Messaging;
using Synomaly.Testing;

namespace Synomaly.Functions.Tests;

/// <summary>
/// Archive deletion events the queue trigger gave up on (moved to archive-deletions-poison) go back on their queue, so
/// that an erasure a storage outage or a busy job record kept failing is still carried out. Each test has its own pair
/// of queues, so that one test's replay cannot take another's messages.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ArchiveDeletionPoisonReplayTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_poisoned_deletion_goes_back_on_the_queue_never_expiring_and_its_handling_erases_the_scan()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var (source, scanId) = await ArchiveDeletionTests.ProcessedArchiveScanAsync(host, $"poisoned {Guid.NewGuid():N}/série.dcm");
        await source.DeleteAsync(cancellationToken: Ct);
        var (poison, queue, replay) = await IsolatedAsync();
        await PoisonAsync(poison, BlobDeletedEvents.For(source.Uri));

        var outcome = await replay.RunAsync(Ct);

        Assert.Equal(new PoisonReplayOutcome(1, 0), outcome);
        Assert.Equal(0, (await poison.GetPropertiesAsync(Ct)).Value.ApproximateMessagesCount); // no copy of the archive name is left
        var message = Assert.Single((await queue.ReceiveMessagesAsync(10, cancellationToken: Ct)).Value);
        Assert.Equal(9999, message.ExpiresOn!.Value.Year); // a time to live of -1: the message never expires
        Assert.Equal(1, message.DequeueCount); // a new message: its attempts start again
        await host.Function<ArchiveSourceDeleted>().Run(message.Body.ToString(), Ct); // the trigger gets the decoded text
        var record = (await host.Jobs.GetAsync(scanId, "v1", Ct))!;
        Assert.True(record.IsDeleted);
        Assert.Null(record.ResultPrefix);
    }

    [Fact]
    public async Task A_poison_message_that_is_no_event_stays_for_an_operator_and_the_others_are_replayed()
    {
        var (poison, queue, replay) = await IsolatedAsync();
        await PoisonAsync(poison, "this is not JSON");
        await poison.SendMessageAsync("not base64 either", Ct);
        await PoisonAsync(poison, BlobDeletedEvents.For(new Uri("http://127.0.0.1:10000/devstoreaccount1/archive/a.dcm")));
        await PoisonAsync(poison, BlobDeletedEvents.For(new Uri("http://127.0.0.1:10000/devstoreaccount1/archive/b.dcm")));

        var outcome = await replay.RunAsync(Ct);

        Assert.Equal(new PoisonReplayOutcome(2, 2), outcome);
        var replayed = (await queue.ReceiveMessagesAsync(10, cancellationToken: Ct)).Value;
        Assert.Equal(["a.dcm", "b.dcm"], replayed.Select(m => ArchiveBlobDeletedEvent.Parse(m.Body)!.BlobName).Order(StringComparer.Ordinal));
        Assert.Equal(2, (await poison.GetPropertiesAsync(Ct)).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task Without_a_poison_queue_the_replay_does_nothing()
    {
        var poison = new QueueClient(azurite.ConnectionString, "poison-" + Guid.NewGuid().ToString("N")[..12]);
        var queue = new QueueClient(azurite.ConnectionString, "replay-" + Guid.NewGuid().ToString("N")[..12]);
        var replay = new ArchiveDeletionPoisonReplay(poison, queue, NullLogger<ArchiveDeletionPoisonReplay>.Instance);

        Assert.Equal(new PoisonReplayOutcome(0, 0), await replay.RunAsync(Ct));
        Assert.False(await queue.ExistsAsync(Ct));
    }

    [Fact]
    public async Task The_hourly_replay_timer_also_replays_the_poison_queue()
    {
        // The app's own queues, as the timer uses them: the poison queue is the one the Functions host writes.
        await using var host = await TestHost.CreateAsync(azurite, ownStorageAccount: true);
        var queues = new QueueServiceClient(host.ConnectionString);
        var poison = queues.GetQueueClient(ArchiveDeletionPoisonReplay.PoisonQueueName);
        await poison.CreateIfNotExistsAsync(cancellationToken: Ct);
        await queues.GetQueueClient(ArchiveDeletionHandler.QueueName).CreateIfNotExistsAsync(cancellationToken: Ct);
        await PoisonAsync(poison, BlobDeletedEvents.For(new Uri("http://127.0.0.1:10000/devstoreaccount1/archive/c.dcm")));

        await host.Function<ReplayArchiveDeadLetters>().Run(new Microsoft.Azure.Functions.Worker.TimerInfo(), Ct);

        Assert.Equal(0, (await poison.GetPropertiesAsync(Ct)).Value.ApproximateMessagesCount);
        var events = new QueueClient(host.ConnectionString, ArchiveDeletionHandler.QueueName, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        var message = Assert.Single((await events.ReceiveMessagesAsync(10, cancellationToken: Ct)).Value);
        Assert.Equal("c.dcm", ArchiveBlobDeletedEvent.Parse(message.Body)!.BlobName);
    }

    [Fact]
    public async Task A_dead_letter_side_that_keeps_failing_does_not_stop_the_poison_replay()
    {
        // The role on eventgrid-deadletter is not yet propagated: every download of a dead letter is refused.
        var (poison, queue, _) = await IsolatedAsync();
        var sending = new QueueClient(azurite.ConnectionString, queue.Name);
        var deadLetters = new ForbiddenDownloadsContainer(azurite.ConnectionString, "deadletter-" + Guid.NewGuid().ToString("N")[..12]);
        await deadLetters.CreateAsync(cancellationToken: Ct);
        await deadLetters.GetBlobClient(ArchiveDeadLetterReplay.SubscriptionFolder + $"2026/12/5/9/{Guid.NewGuid()}.json").UploadAsync(BinaryData.FromString("[]"), Ct);
        await PoisonAsync(poison, BlobDeletedEvents.For(new Uri("http://127.0.0.1:10000/devstoreaccount1/archive/d.dcm")));
        var replay = new ArchiveDeletionReplay(
            new ArchiveDeadLetterReplay(deadLetters, sending, NullLogger<ArchiveDeadLetterReplay>.Instance),
            new ArchiveDeletionPoisonReplay(poison, sending, NullLogger<ArchiveDeletionPoisonReplay>.Instance),
            NullLogger<ArchiveDeletionReplay>.Instance);

        var failed = await Assert.ThrowsAsync<AggregateException>(() => replay.RunAsync(Ct));

        Assert.Equal(403, Assert.IsType<Azure.RequestFailedException>(Assert.Single(failed.InnerExceptions)).Status);
        var message = Assert.Single((await queue.ReceiveMessagesAsync(10, cancellationToken: Ct)).Value);
        Assert.Equal("d.dcm", ArchiveBlobDeletedEvent.Parse(message.Body)!.BlobName);
        Assert.Equal(0, (await poison.GetPropertiesAsync(Ct)).Value.ApproximateMessagesCount);
    }

    /// <summary>A dead-letter container whose blobs list, but whose every download storage refuses (403).</summary>
    private sealed class ForbiddenDownloadsContainer(string connectionString, string name) : Azure.Storage.Blobs.BlobContainerClient(connectionString, name)
    {
        private readonly string connectionString = connectionString;

        public override Azure.Storage.Blobs.BlobClient GetBlobClient(string blobName) => new ForbiddenDownloadBlob(connectionString, Name, blobName);

        private sealed class ForbiddenDownloadBlob(string connectionString, string container, string name) : Azure.Storage.Blobs.BlobClient(connectionString, container, name)
        {
            public override Task<Azure.Response<Azure.Storage.Blobs.Models.BlobDownloadResult>> DownloadContentAsync(CancellationToken cancellationToken = default) =>
                throw new Azure.RequestFailedException(403, "This request is not authorized to perform this operation using this permission.", "AuthorizationPermissionMismatch", null);
        }
    }

    /// <summary>A poison message as the Functions host writes one: the failed message's body, base64 as the queue's encoding.</summary>
    private static Task PoisonAsync(QueueClient poison, string eventText) =>
        poison.SendMessageAsync(QueueTriggerText.Encode(eventText), Ct);

    /// <summary>
    /// A fresh poison queue and event queue, and a replay between them. The receiving client decodes base64, as the queue
    /// trigger does.
    /// </summary>
    private async Task<(QueueClient Poison, QueueClient Queue, ArchiveDeletionPoisonReplay Replay)> IsolatedAsync()
    {
        string suffix = Guid.NewGuid().ToString("N")[..12];
        var poison = new QueueClient(azurite.ConnectionString, "poison-" + suffix);
        await poison.CreateAsync(cancellationToken: Ct);
        var sending = new QueueClient(azurite.ConnectionString, "replay-" + suffix);
        await sending.CreateAsync(cancellationToken: Ct);
        var receiving = new QueueClient(azurite.ConnectionString, sending.Name, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        return (poison, receiving, new ArchiveDeletionPoisonReplay(poison, sending, NullLogger<ArchiveDeletionPoisonReplay>.Instance));
    }
}
