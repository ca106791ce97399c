using System.Text.Json;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Queues;
using Synomaly.Contracts;
using Synomaly.GpuWorker.Messaging;
using Synomaly.GpuWorker.Processing;
using Synomaly.GpuWorker.Tests.Support;
using Synomaly.Storage.Messaging;
using Synomaly.Testing;

namespace Synomaly.GpuWorker.Tests.Azurite;

/// <summary>The Storage Queue transport against a real Azurite: lock by visibility, renewal, settlement, poison queue.</summary>
[Trait("Category", "Integration")]
public sealed class StorageQueueTransportTests(AzuriteFixture azurite)
{
    /// <summary>
    /// How long a test waits in real time for what will come (a message, a model call, a job's end): a guard against a
    /// hang, not a speed target. A 10 s guard of this kind ran out on a loaded 2-core machine with no bug.
    /// </summary>
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    private async Task<(StorageQueueScanJobSource Source, QueueClient Queue, QueueClient Poison)> CreateAsync(TimeSpan lockDuration, string? name = null, QueueClientOptions? options = null)
    {
        name ??= "q" + Guid.NewGuid().ToString("N")[..12];
        var service = new QueueServiceClient(azurite.ConnectionString, options ?? new QueueClientOptions());
        var queue = service.GetQueueClient(name);
        var poison = service.GetQueueClient(StorageQueueScanJobSource.PoisonQueueName(name));
        var source = new StorageQueueScanJobSource(queue, poison, lockDuration);
        await source.CreateIfNotExistsAsync(TestContext.Current.CancellationToken);
        return (source, queue, poison);
    }

    private static ScanJob Job(string scanId) => StubScanJob.For(scanId);

    private static async Task<int> VisibleCountAsync(QueueClient queue) =>
        (await queue.PeekMessagesAsync(32, TestContext.Current.CancellationToken)).Value.Length;

    [Fact]
    public async Task A_published_job_is_received_decoded_renewed_and_deleted_on_completion()
    {
        var (source, queue, _) = await CreateAsync(TimeSpan.FromSeconds(30));
        var job = Job("sq-1");
        await new StorageQueueScanJobPublisher(queue).PublishAsync(job, cancellationToken: TestContext.Current.CancellationToken);

        var delivery = await source.ReceiveAsync(Wait, TestContext.Current.CancellationToken);

        Assert.NotNull(delivery);
        Assert.Equal(job, ScanJobSerializer.Deserialize(delivery.Body.ToMemory().Span));
        Assert.Equal(1, delivery.DeliveryCount);
        Assert.Equal(0, await VisibleCountAsync(queue));
        var before = delivery.LockedUntil;
        await Task.Delay(1100, TestContext.Current.CancellationToken);
        await delivery.RenewLockAsync(TestContext.Current.CancellationToken);
        Assert.True(delivery.LockedUntil > before);

        await delivery.CompleteAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, (await queue.GetPropertiesAsync(TestContext.Current.CancellationToken)).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task An_abandoned_message_comes_back_with_a_higher_delivery_count()
    {
        var (source, queue, _) = await CreateAsync(TimeSpan.FromSeconds(30));
        await new StorageQueueScanJobPublisher(queue).PublishAsync(Job("sq-2"), cancellationToken: TestContext.Current.CancellationToken);

        var first = await source.ReceiveAsync(Wait, TestContext.Current.CancellationToken);
        await first!.AbandonAsync(TimeSpan.Zero, TestContext.Current.CancellationToken);
        var second = await source.ReceiveAsync(Wait, TestContext.Current.CancellationToken);

        Assert.NotNull(second);
        Assert.Equal(first.MessageId, second.MessageId);
        Assert.Equal(2, second.DeliveryCount);
    }

    [Fact]
    public async Task Dead_lettering_moves_the_message_to_the_poison_queue_with_its_reason()
    {
        var (source, queue, poison) = await CreateAsync(TimeSpan.FromSeconds(30));
        await new StorageQueueScanJobPublisher(queue).PublishAsync(Job("sq-3"), cancellationToken: TestContext.Current.CancellationToken);

        var delivery = await source.ReceiveAsync(Wait, TestContext.Current.CancellationToken);
        await delivery!.DeadLetterAsync("Malformed", "The NIfTI header declares 0 dimensions.", TestContext.Current.CancellationToken);

        Assert.Equal(0, (await queue.GetPropertiesAsync(TestContext.Current.CancellationToken)).Value.ApproximateMessagesCount);
        var moved = Assert.Single((await poison.ReceiveMessagesAsync(10, cancellationToken: TestContext.Current.CancellationToken)).Value);
        var envelope = JsonSerializer.Deserialize(moved.Body.ToString(), WorkerJsonContext.Default.DeadLetteredMessage)!;
        Assert.Equal("Malformed", envelope.Reason);
        Assert.Equal("The NIfTI header declares 0 dimensions.", envelope.Description);
        Assert.Equal(delivery.MessageId, envelope.MessageId);
        Assert.Equal("sq-3", StorageQueueMessageCodec.Decode(envelope.Body).ScanId);
    }

    [Theory]
    [InlineData('x', 65_400, 100)] // foreign text just under the 64 KiB message limit: the envelope's fields push it over
    [InlineData('<', 65_000, 100)] // JSON writes each '<' as 6 bytes
    [InlineData('\u00e9', 32_000, 100)] // 2 bytes in UTF-8, 6 in JSON
    [InlineData('x', 100, 200_000)] // a short message, but a description far over the limit
    public async Task A_message_too_large_to_copy_whole_reaches_the_poison_queue_with_its_start_and_hash(char fill, int length, int descriptionLength)
    {
        // Copied whole, the envelope was over the limit: every poison send was refused, and the message came back for ever.
        var (source, queue, poison) = await CreateAsync(TimeSpan.FromSeconds(30));
        var text = "{not a scan job " + new string(fill, length);
        await queue.SendMessageAsync(text, TestContext.Current.CancellationToken);
        var delivery = await source.ReceiveAsync(Wait, TestContext.Current.CancellationToken);

        await delivery!.DeadLetterAsync("InvalidMessage", new string('d', descriptionLength), TestContext.Current.CancellationToken);

        Assert.Equal(0, (await queue.GetPropertiesAsync(TestContext.Current.CancellationToken)).Value.ApproximateMessagesCount);
        var moved = Assert.Single((await poison.ReceiveMessagesAsync(10, cancellationToken: TestContext.Current.CancellationToken)).Value);
        Assert.InRange(moved.Body.ToMemory().Length, 1, 64 * 1024);
        var envelope = JsonSerializer.Deserialize(moved.Body.ToString(), WorkerJsonContext.Default.DeadLetteredMessage)!;
        Assert.Equal("InvalidMessage", envelope.Reason);
        Assert.StartsWith(envelope.Body, text, StringComparison.Ordinal);
        var textBytes = System.Text.Encoding.UTF8.GetByteCount(text);
        Assert.Equal(textBytes - System.Text.Encoding.UTF8.GetByteCount(envelope.Body), envelope.BodyBytesDropped);
        if (envelope.BodyBytesDropped > 0)
        {
            Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text))), envelope.BodySha256);
        }

        Assert.True(envelope.Body.Length >= Math.Min(text.Length, 4096), "the envelope keeps a useful part of the message");
        Assert.StartsWith(new string('d', 100), envelope.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dead_letter_retried_after_its_delete_failed_sends_one_poison_message()
    {
        // The handler retries a dead letter on a transient fault as a whole (DeliverySettler): after a 503 on the delete of
        // the original, the retry must not send the poison copy again.
        var name = "q" + Guid.NewGuid().ToString("N")[..12];
        var deleteFault = new FirstMessageDeleteFails(name);
        var options = new QueueClientOptions();
        options.AddPolicy(deleteFault, HttpPipelinePosition.PerCall);
        var (source, queue, poison) = await CreateAsync(TimeSpan.FromSeconds(30), name, options);
        await new StorageQueueScanJobPublisher(queue).PublishAsync(Job("sq-poison-once"), cancellationToken: TestContext.Current.CancellationToken);
        var delivery = await source.ReceiveAsync(Wait, TestContext.Current.CancellationToken);
        var retry = new TransientRetry(new ProcessingPolicy { TransientRetries = 2, TransientRetryDelay = TimeSpan.FromMilliseconds(1) });

        await retry.ExecuteAsync(ct => delivery!.DeadLetterAsync("Truncated", "The file ended early.", ct), TestContext.Current.CancellationToken);

        Assert.True(deleteFault.Failed);
        Assert.Equal(0, (await queue.GetPropertiesAsync(TestContext.Current.CancellationToken)).Value.ApproximateMessagesCount);
        var moved = Assert.Single((await poison.ReceiveMessagesAsync(10, cancellationToken: TestContext.Current.CancellationToken)).Value);
        Assert.Equal("Truncated", JsonSerializer.Deserialize(moved.Body.ToString(), WorkerJsonContext.Default.DeadLetteredMessage)!.Reason);
    }

    /// <summary>Answers the first delete of a message of one queue with a 503, as a storage account under load may, without passing it on.</summary>
    private sealed class FirstMessageDeleteFails(string queueName) : HttpPipelinePolicy
    {
        private int failed;

        public bool Failed => Volatile.Read(ref failed) == 1;

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
            throw new NotSupportedException("The transport uses the asynchronous client.");

        public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            var deletesMessage = message.Request.Method == RequestMethod.Delete
                && message.Request.Uri.Path.Contains($"/{queueName}/messages/", StringComparison.Ordinal);
            if (deletesMessage && Interlocked.Exchange(ref failed, 1) == 0)
            {
                throw new RequestFailedException(503, "Service unavailable (injected).", "ServerBusy", null);
            }

            return ProcessNextAsync(message, pipeline);
        }
    }

    [Fact]
    public async Task Renewals_racing_a_dead_letter_never_make_it_look_like_a_lost_lock()
    {
        // The lock keeper renews on its own schedule while the handler settles: each call uses the pop receipt the last
        // one returned, so two at once would see one refused, and the message would come back for a second verdict.
        var (source, queue, poison) = await CreateAsync(TimeSpan.FromSeconds(30));
        await new StorageQueueScanJobPublisher(queue).PublishAsync(Job("sq-race"), cancellationToken: TestContext.Current.CancellationToken);
        var delivery = await source.ReceiveAsync(Wait, TestContext.Current.CancellationToken);
        Assert.NotNull(delivery);

        var renewals = Enumerable.Range(0, 8).Select(_ => Task.Run(() => delivery.RenewLockAsync(TestContext.Current.CancellationToken))).ToList();
        await delivery.DeadLetterAsync("UnknownFormat", "Not a medical image.", TestContext.Current.CancellationToken);
        await Task.WhenAll(renewals);
        await delivery.RenewLockAsync(TestContext.Current.CancellationToken); // after the settlement: nothing to renew

        Assert.Equal(0, (await queue.GetPropertiesAsync(TestContext.Current.CancellationToken)).Value.ApproximateMessagesCount);
        Assert.Single((await poison.ReceiveMessagesAsync(10, cancellationToken: TestContext.Current.CancellationToken)).Value);
    }

    [Fact]
    public async Task Once_the_visibility_lapses_and_another_consumer_takes_the_message_the_first_one_has_lost_its_lock()
    {
        var (source, queue, _) = await CreateAsync(TimeSpan.FromSeconds(1));
        await new StorageQueueScanJobPublisher(queue).PublishAsync(Job("sq-4"), cancellationToken: TestContext.Current.CancellationToken);

        var stale = await source.ReceiveAsync(Wait, TestContext.Current.CancellationToken);
        await Task.Delay(1500, TestContext.Current.CancellationToken);
        var current = await source.ReceiveAsync(Wait, TestContext.Current.CancellationToken);

        Assert.NotNull(current);
        Assert.Equal(2, current.DeliveryCount);
        await Assert.ThrowsAsync<MessageLockLostException>(() => stale!.RenewLockAsync(TestContext.Current.CancellationToken));
        await Assert.ThrowsAsync<MessageLockLostException>(() => stale!.CompleteAsync(TestContext.Current.CancellationToken));
        await current.CompleteAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Text_that_is_not_base64_reaches_the_handler_unchanged()
    {
        var (source, queue, _) = await CreateAsync(TimeSpan.FromSeconds(30));
        await queue.SendMessageAsync("{not a job", TestContext.Current.CancellationToken);

        var delivery = await source.ReceiveAsync(Wait, TestContext.Current.CancellationToken);

        Assert.Equal("{not a job", delivery!.Body.ToString());
        Assert.Throws<InvalidScanJobException>(() => ScanJobSerializer.Deserialize(delivery.Body.ToMemory().Span));
    }
}
