using Azure.Messaging.ServiceBus;
using Azure.Storage.Queues;
using Synomaly.Contracts;
using Synomaly.Storage.Messaging;
using Synomaly.Testing;

namespace Synomaly.Storage.Tests;

public sealed class ServiceBusPublisherTests
{
    [Fact]
    public async Task A_published_job_carries_the_deterministic_message_id_correlation_content_type_and_subject()
    {
        var sender = new CapturingServiceBusSender();
        var job = TestJobs.Create("scan-1", "\"0xABC\"", "v7");
        var at = new DateTimeOffset(2026, 11, 24, 13, 0, 0, TimeSpan.Zero);

        await new ServiceBusScanJobPublisher(sender).PublishAsync(job, at, TestContext.Current.CancellationToken);

        var message = Assert.Single(sender.Sent);
        Assert.Equal("scan-1:0xABC:v7", message.MessageId);
        Assert.Equal("corr-scan-1", message.CorrelationId);
        Assert.Equal("application/json", message.ContentType);
        Assert.Equal(nameof(ScanJob), message.Subject);
        Assert.Equal(at, message.ScheduledEnqueueTime);
        Assert.Equal(job, ScanJobSerializer.Deserialize(message.Body.ToArray()));
    }

    [Fact]
    public async Task A_batch_is_sent_in_chunks_that_fit_one_service_bus_batch()
    {
        var sender = new CapturingServiceBusSender();
        var jobs = Enumerable.Range(0, 250).Select(i => TestJobs.Create($"scan-{i}")).ToList();

        await new ServiceBusScanJobPublisher(sender).PublishBatchAsync(jobs, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(3, sender.SendCalls);
        Assert.Equal(jobs.Select(j => j.MessageId), sender.Sent.Select(m => m.MessageId));
        Assert.All(sender.Sent, m => Assert.Equal(default, m.ScheduledEnqueueTime));
    }

    [Fact]
    public async Task A_batch_whose_second_chunk_fails_says_which_jobs_the_first_chunk_sent()
    {
        // Each chunk is one Service Bus batch, accepted or refused whole; the chunks of one call are not. A caller that
        // confirms nothing of a failed call would publish the first chunk again.
        var sender = new SecondSendFailsSender();
        var jobs = Enumerable.Range(0, 250).Select(i => TestJobs.Create($"scan-{i}")).ToList();

        var error = await Assert.ThrowsAsync<ScanJobBatchPartlySentException>(() =>
            new ServiceBusScanJobPublisher(sender).PublishBatchAsync(jobs, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(jobs.Take(ServiceBusScanJobPublisher.MaxMessagesPerSend), error.Sent);
        Assert.Equal(250, error.BatchSize);
        Assert.IsType<ServiceBusException>(error.InnerException);
        Assert.Contains("100 of the batch's 250", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_batch_whose_first_send_fails_throws_the_send_error_itself()
    {
        // Nothing went out: the batch failed whole, as a single publish does.
        var sender = new SecondSendFailsSender(failingCall: 1);

        await Assert.ThrowsAsync<ServiceBusException>(() =>
            new ServiceBusScanJobPublisher(sender).PublishBatchAsync([TestJobs.Create("scan-a")], cancellationToken: TestContext.Current.CancellationToken));
    }

    /// <summary>A sender whose send call number <paramref name="failingCall"/> fails as a busy namespace fails it.</summary>
    private sealed class SecondSendFailsSender(int failingCall = 2) : ServiceBusSender
    {
        private int calls;

        public override string EntityPath => "scan-jobs";

        public override Task SendMessagesAsync(IEnumerable<ServiceBusMessage> messages, CancellationToken cancellationToken = default) =>
            Interlocked.Increment(ref calls) == failingCall
                ? throw new ServiceBusException("The namespace is busy.", ServiceBusFailureReason.ServiceBusy)
                : Task.CompletedTask;
    }

    [Fact]
    public async Task A_job_scheduled_beyond_the_cap_becomes_visible_at_the_cap_not_when_asked()
    {
        // A skewed clock or a huge run at a very low pace asks for a month ahead: the job would sit Queued, out of every
        // worker's reach, that long.
        var sender = new CapturingServiceBusSender();
        var before = DateTimeOffset.UtcNow;

        await new ServiceBusScanJobPublisher(sender).PublishAsync(TestJobs.Create("scan-far"), before.AddDays(30), TestContext.Current.CancellationToken);

        var visibleAt = Assert.Single(sender.Sent).ScheduledEnqueueTime;
        Assert.InRange(visibleAt, before + ScanJobSchedule.MaxDelay, DateTimeOffset.UtcNow + ScanJobSchedule.MaxDelay);
    }

    [Fact]
    public async Task The_same_blob_version_and_model_always_gives_the_same_message_id()
    {
        var sender = new CapturingServiceBusSender();
        var publisher = new ServiceBusScanJobPublisher(sender);
        await publisher.PublishAsync(TestJobs.Create("scan-9") with { CorrelationId = "a" }, cancellationToken: TestContext.Current.CancellationToken);
        await publisher.PublishAsync(TestJobs.Create("scan-9") with { CorrelationId = "b" }, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Single(sender.Sent.Select(m => m.MessageId).Distinct());
    }
}

[Trait("Category", "Integration")]
public sealed class StorageQueuePublisherTests(AzuriteFixture azurite)
{
    private async Task<QueueClient> NewQueueAsync()
    {
        var queue = new QueueClient(azurite.ConnectionString, "q" + Guid.NewGuid().ToString("N")[..12]);
        await queue.CreateAsync(cancellationToken: TestContext.Current.CancellationToken);
        return queue;
    }

    [Fact]
    public async Task A_published_job_is_base64_json_that_decodes_to_the_same_job()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await NewQueueAsync();
        var job = TestJobs.Create("scan-q1");

        await new StorageQueueScanJobPublisher(queue).PublishAsync(job, cancellationToken: ct);

        var received = (await queue.ReceiveMessagesAsync(maxMessages: 10, cancellationToken: ct)).Value;
        var message = Assert.Single(received);
        Assert.Equal(job, StorageQueueMessageCodec.Decode(message.MessageText));
        Assert.Equal(job, ScanJobSerializer.Deserialize(Convert.FromBase64String(message.MessageText)));
    }

    [Fact]
    public async Task A_scheduled_job_stays_invisible_until_its_time()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await NewQueueAsync();
        var publisher = new StorageQueueScanJobPublisher(queue);

        await publisher.PublishBatchAsync([TestJobs.Create("now-1"), TestJobs.Create("now-2")], cancellationToken: ct);
        await publisher.PublishAsync(TestJobs.Create("later"), DateTimeOffset.UtcNow.AddMinutes(10), ct);

        var visible = (await queue.ReceiveMessagesAsync(maxMessages: 10, cancellationToken: ct)).Value;
        Assert.Equal(["now-1", "now-2"], visible.Select(m => StorageQueueMessageCodec.Decode(m.MessageText).ScanId).Order());
        var properties = (await queue.GetPropertiesAsync(ct)).Value;
        Assert.Equal(3, properties.ApproximateMessagesCount);
    }

    [Fact]
    public async Task A_message_lives_its_time_to_live_from_when_it_becomes_visible()
    {
        var ct = TestContext.Current.CancellationToken;
        var name = (await NewQueueAsync()).Name;
        var receipts = new SendReceiptPolicy();
        var options = new QueueClientOptions();
        options.AddPolicy(receipts, Azure.Core.HttpPipelinePosition.PerCall);
        var ttl = TimeSpan.FromHours(2);
        var publisher = new StorageQueueScanJobPublisher(new QueueClient(azurite.ConnectionString, name, options), messageTimeToLive: ttl);

        await publisher.PublishAsync(TestJobs.Create("now"), cancellationToken: ct);
        await publisher.PublishAsync(TestJobs.Create("later"), DateTimeOffset.UtcNow.AddHours(1), ct);

        // Read from the queue's own receipts, not against "now ± 5 s" on the test's clock: the time to live runs from when
        // each message becomes visible. Counted from the send, as the queue does unless told otherwise, the later one
        // would have an hour of it left once visible. Within a second: the queue states both times to the second.
        Assert.Equal(2, receipts.Received.Count);
        var (now, later) = (receipts.Received[0], receipts.Received[1]);
        Assert.InRange(now.ExpiresAt - now.VisibleAt, ttl - TimeSpan.FromSeconds(1), ttl + TimeSpan.FromSeconds(1));
        Assert.InRange(later.ExpiresAt - later.VisibleAt, ttl - TimeSpan.FromSeconds(1), ttl + TimeSpan.FromSeconds(1));
        Assert.InRange(later.VisibleAt - now.VisibleAt, TimeSpan.FromMinutes(59), TimeSpan.FromMinutes(61));
    }

    [Fact]
    public async Task A_batch_whose_third_send_fails_says_which_jobs_went_out_and_sends_no_more()
    {
        // Storage queues have no batch send: each job is its own request, and a failure leaves the earlier ones out.
        var ct = TestContext.Current.CancellationToken;
        var name = (await NewQueueAsync()).Name;
        var options = new QueueClientOptions { Retry = { MaxRetries = 0 } };
        options.AddPolicy(new FailingSendPolicy(failingSend: 3), Azure.Core.HttpPipelinePosition.PerCall);
        var queue = new QueueClient(azurite.ConnectionString, name, options);
        var jobs = Enumerable.Range(0, 5).Select(i => TestJobs.Create($"part-{i}")).ToList();

        var error = await Assert.ThrowsAsync<ScanJobBatchPartlySentException>(() => new StorageQueueScanJobPublisher(queue).PublishBatchAsync(jobs, cancellationToken: ct));

        Assert.Equal(jobs.Take(2), error.Sent);
        Assert.Equal(5, error.BatchSize);
        Assert.IsType<Azure.RequestFailedException>(error.InnerException);
        var received = (await new QueueClient(azurite.ConnectionString, name).ReceiveMessagesAsync(maxMessages: 10, cancellationToken: ct)).Value;
        Assert.Equal(["part-0", "part-1"], received.Select(m => StorageQueueMessageCodec.Decode(m.MessageText).ScanId).Order());
    }

    /// <summary>The send receipts of the messages sent, in order: when each becomes visible and when it expires, as the queue stored them.</summary>
    private sealed class SendReceiptPolicy : Azure.Core.Pipeline.HttpPipelineSynchronousPolicy
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<(DateTimeOffset VisibleAt, DateTimeOffset ExpiresAt)> receipts = new();

        public IReadOnlyList<(DateTimeOffset VisibleAt, DateTimeOffset ExpiresAt)> Received => [.. receipts];

        public override void OnReceivedResponse(Azure.Core.HttpMessage message)
        {
            if (message.Request.Method == Azure.Core.RequestMethod.Post && message.Response.Status == 201)
            {
                var receipt = System.Xml.Linq.XDocument.Parse(message.Response.Content.ToString()).Descendants("QueueMessage").Single();
                receipts.Enqueue((Time(receipt, "TimeNextVisible"), Time(receipt, "ExpirationTime")));
            }
        }

        private static DateTimeOffset Time(System.Xml.Linq.XElement receipt, string name) =>
            DateTimeOffset.Parse(receipt.Element(name)!.Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Fails the <paramref name="failingSend"/>th message send with the 503 an overloaded queue answers.</summary>
    private sealed class FailingSendPolicy(int failingSend) : Azure.Core.Pipeline.HttpPipelineSynchronousPolicy
    {
        private int sends;

        public override void OnSendingRequest(Azure.Core.HttpMessage message)
        {
            if (message.Request.Method == Azure.Core.RequestMethod.Post && Interlocked.Increment(ref sends) == failingSend)
            {
                throw new Azure.RequestFailedException(503, "The server is busy.", "ServerBusy", null);
            }
        }
    }

    [Fact]
    public void A_message_that_is_not_base64_is_an_invalid_scan_job()
    {
        var error = Assert.Throws<InvalidScanJobException>(() => StorageQueueMessageCodec.Decode("{not base64}"));
        Assert.Contains("base64", error.Message, StringComparison.Ordinal);
    }
}
