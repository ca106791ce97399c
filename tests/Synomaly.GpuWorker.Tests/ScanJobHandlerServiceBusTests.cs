using Azure.Core.Amqp;
using Azure.Messaging.ServiceBus;
using Synomaly.Contracts;
using Synomaly.GpuWorker.Messaging;
using Synomaly.GpuWorker.Processing;
using Synomaly.GpuWorker.Tests.Support;

namespace Synomaly.GpuWorker.Tests;

/// <summary>
/// The same settlement paths through the Service Bus transport, with messages built by ServiceBusModelFactory and a
/// receiver that records the settlement calls the SDK would send to the broker.
/// </summary>
public sealed class ScanJobHandlerServiceBusTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// How long a test waits in real time for what will come: a guard against a hang, not a speed target. A 10 s guard of
    /// this kind ran out on a loaded 2-core machine with no bug (WorkerMetricsTests).
    /// </summary>
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    private static ServiceBusReceivedMessage Message(ScanJob job, int deliveryCount, TimeSpan? lockFor = null, DateTimeOffset? now = null) =>
        ServiceBusModelFactory.ServiceBusReceivedMessage(
            body: BinaryData.FromBytes(ScanJobSerializer.Serialize(job)),
            messageId: job.MessageId,
            correlationId: job.CorrelationId,
            deliveryCount: deliveryCount,
            lockedUntil: (now ?? DateTimeOffset.UtcNow) + (lockFor ?? TimeSpan.FromMinutes(5)),
            enqueuedTime: (now ?? DateTimeOffset.UtcNow).AddSeconds(-2));

    private static async Task<ScanJobDelivery> ReceiveAsync(RecordingServiceBusReceiver receiver, ServiceBusReceivedMessage message)
    {
        receiver.Add(message);
        var delivery = await new ServiceBusScanJobSource(receiver).ReceiveAsync(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
        Assert.NotNull(delivery);
        return delivery;
    }

    private static async Task<JobOutcome> HandleAsync(WorkerHarness harness, RecordingServiceBusReceiver receiver, ServiceBusReceivedMessage message)
    {
        receiver.Add(message);
        var delivery = await new ServiceBusScanJobSource(receiver).ReceiveAsync(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
        Assert.NotNull(delivery);
        return await harness.Handler.HandleAsync(delivery);
    }

    [Fact]
    public async Task Success_completes_the_message_and_marks_the_job_succeeded()
    {
        await using var harness = new WorkerHarness();
        var receiver = new RecordingServiceBusReceiver();
        var job = harness.AddJob("sb-ok", FakeScanCodec.Scan(2, 0.1f));

        Assert.Equal(JobOutcome.Succeeded, await HandleAsync(harness, receiver, Message(job, deliveryCount: 1)));

        Assert.Equal(["complete"], receiver.Calls.Where(c => c != "renew"));
        Assert.Equal(JobState.Succeeded, harness.Record(job)!.State);
        Assert.Equal(3, harness.ResultPaths(job).Count);
    }

    [Fact]
    public async Task Bad_input_dead_letters_the_message_with_the_typed_reason_and_fails_the_job()
    {
        await using var harness = new WorkerHarness();
        var receiver = new RecordingServiceBusReceiver();
        var job = harness.AddJob("sb-bad", FakeScanCodec.Corrupt);

        Assert.Equal(JobOutcome.DeadLettered, await HandleAsync(harness, receiver, Message(job, deliveryCount: 1)));

        Assert.Equal(["deadletter:Malformed"], receiver.Calls.Where(c => c != "renew"));
        Assert.Equal("Malformed", harness.Record(job)!.ErrorCode);
        Assert.Equal(JobState.Failed, harness.Record(job)!.State);
    }

    [Fact]
    public async Task A_message_whose_body_is_not_amqp_data_is_dead_lettered_as_invalid()
    {
        await using var harness = new WorkerHarness();
        var receiver = new RecordingServiceBusReceiver();
        // Traced, as in production: the handler then reads the delivery's telemetry tags before the body.
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = source => source.Name == Synomaly.GpuWorker.Telemetry.WorkerTelemetry.Name,
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllData,
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        // Another AMQP client can send a value body; the SDK's Body then throws NotSupportedException, not a serializer error.
        var amqp = new AmqpAnnotatedMessage(AmqpMessageBody.FromValue("{\"scanId\":\"sb-value-body\"}"));
        amqp.Properties.MessageId = new AmqpMessageId("value-body-1");
        // The broker always stamps a delivery count; without it the SDK's DeliveryCount throws (read for telemetry
        // whenever a listener is on the worker's ActivitySource, as in other tests running at the same time).
        amqp.Header.DeliveryCount = 1;
        var message = ServiceBusReceivedMessage.FromAmqpMessage(amqp, BinaryData.FromBytes(Guid.NewGuid().ToByteArray()));

        Assert.Equal(JobOutcome.DeadLettered, await HandleAsync(harness, receiver, message));

        Assert.Equal([$"deadletter:{FailureClassifier.InvalidScanJob}"], receiver.Calls);
        Assert.Equal(0, harness.Storage.Reads);
    }

    [Fact]
    public async Task A_transient_fault_abandons_and_the_next_delivery_completes()
    {
        await using var harness = new WorkerHarness(transientRetries: 1);
        var receiver = new RecordingServiceBusReceiver();
        var job = harness.AddJob("sb-retry", FakeScanCodec.Scan(1, 0.1f));
        harness.Storage.ReadFaults = 2;

        Assert.Equal(JobOutcome.Retrying, await HandleAsync(harness, receiver, Message(job, deliveryCount: 1)));
        Assert.Equal(JobState.Queued, harness.Record(job)!.State);
        Assert.Equal(JobOutcome.Succeeded, await HandleAsync(harness, receiver, Message(job, deliveryCount: 2)));

        Assert.Equal(["abandon", "complete"], receiver.Calls.Where(c => c != "renew"));
        Assert.Equal(JobState.Succeeded, harness.Record(job)!.State);
    }

    [Fact]
    public async Task A_transient_fault_on_the_last_allowed_delivery_dead_letters_and_fails_the_job()
    {
        await using var harness = new WorkerHarness(maxDeliveryCount: 3, transientRetries: 1);
        var receiver = new RecordingServiceBusReceiver();
        var job = harness.AddJob("sb-exhausted", FakeScanCodec.Scan(1, 0.1f));
        harness.Storage.ReadFaults = int.MaxValue;

        Assert.Equal(JobOutcome.DeadLettered, await HandleAsync(harness, receiver, Message(job, deliveryCount: 3)));

        Assert.Equal([$"deadletter:{FailureClassifier.StorageUnavailable}"], receiver.Calls.Where(c => c != "renew"));
        Assert.Equal(JobState.Failed, harness.Record(job)!.State);
    }

    [Fact]
    public async Task A_transient_fault_holds_the_message_for_its_backoff_before_abandoning_since_service_bus_redelivers_at_once()
    {
        var time = new ManualTimeProvider(Start);
        await using var harness = new WorkerHarness(transientRetries: 1, redeliveryDelay: TimeSpan.FromSeconds(5), time: time);
        var receiver = new RecordingServiceBusReceiver();
        var job = harness.AddJob("sb-backoff", FakeScanCodec.Scan(1, 0.1f));
        harness.Storage.ReadFaults = int.MaxValue;
        var delivery = await ReceiveAsync(receiver, Message(job, deliveryCount: 2, now: Start));

        var handling = harness.Handler.HandleAsync(delivery, TestContext.Current.CancellationToken);
        // The second delivery's backoff: 5 s x 2.
        var held = time.WaitForTimerAsync(Start + TimeSpan.FromSeconds(10));
        Assert.Same(held, await Task.WhenAny(handling, held).WaitAsync(Wait, TestContext.Current.CancellationToken));
        Assert.DoesNotContain("abandon", receiver.Calls);
        time.AdvanceTo(Start + TimeSpan.FromSeconds(10));

        Assert.Equal(JobOutcome.Retrying, await handling.WaitAsync(Wait, TestContext.Current.CancellationToken));
        Assert.Equal(["abandon"], receiver.Calls.Where(c => c != "renew"));
        Assert.Equal(JobState.Queued, harness.Record(job)!.State);
    }

    [Fact]
    public async Task A_message_held_for_its_backoff_is_given_back_at_once_when_the_shutdown_deadline_passes()
    {
        var time = new ManualTimeProvider(Start);
        await using var harness = new WorkerHarness(transientRetries: 1, redeliveryDelay: TimeSpan.FromSeconds(5), time: time);
        var receiver = new RecordingServiceBusReceiver();
        var job = harness.AddJob("sb-backoff-shutdown", FakeScanCodec.Scan(1, 0.1f));
        harness.Storage.ReadFaults = int.MaxValue;
        var delivery = await ReceiveAsync(receiver, Message(job, deliveryCount: 1, now: Start));
        using var shutdown = new CancellationTokenSource();

        var handling = harness.Handler.HandleAsync(delivery, shutdown.Token);
        await time.WaitForTimerAsync(Start + TimeSpan.FromSeconds(5)).WaitAsync(Wait, TestContext.Current.CancellationToken);
        await shutdown.CancelAsync();

        Assert.Equal(JobOutcome.Retrying, await handling.WaitAsync(Wait, TestContext.Current.CancellationToken));
        Assert.Equal(["abandon"], receiver.Calls.Where(c => c != "renew"));
        Assert.Equal(Start, time.GetUtcNow());
    }

    [Fact]
    public async Task On_the_brokers_last_delivery_a_job_whose_record_cannot_be_failed_is_dead_lettered_by_the_worker_not_abandoned()
    {
        await using var harness = new WorkerHarness(maxDeliveryCount: 3, transientRetries: 1);
        var receiver = new RecordingServiceBusReceiver();
        var job = harness.AddJob("sb-outage", FakeScanCodec.Scan(1, 0.1f));
        harness.StatusSwitch.Unavailable = true; // the job table is down: nothing can be read or marked

        // The worker's last attempt still gives the message back (one more delivery may find the table again); the
        // broker's last (maxDeliveryCount = 3 + 1) must not, or the broker dead-letters it without a reason.
        Assert.Equal(JobOutcome.Retrying, await HandleAsync(harness, receiver, Message(job, deliveryCount: 3)));
        Assert.Equal(JobOutcome.DeadLettered, await HandleAsync(harness, receiver, Message(job, deliveryCount: 4)));

        Assert.Equal(["abandon", $"deadletter:{FailureClassifier.StorageUnavailable}"], receiver.Calls.Where(c => c != "renew"));
        Assert.Contains(harness.HandlerLog.Entries, e => e.Message.StartsWith("Scan sb-outage: gave up after 4 deliveries (StorageUnavailable); the job record could not be marked Failed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_shutdown_on_the_brokers_last_delivery_fails_the_job_and_dead_letters_rather_than_abandons()
    {
        await using var harness = new WorkerHarness(maxDeliveryCount: 3);
        var receiver = new RecordingServiceBusReceiver();
        var job = harness.AddJob("sb-last-shutdown", FakeScanCodec.Scan(1, 0.1f));
        var delivery = await ReceiveAsync(receiver, Message(job, deliveryCount: 4));
        using var shutdown = new CancellationTokenSource();
        await shutdown.CancelAsync(); // the deadline has passed as the delivery starts

        Assert.Equal(JobOutcome.DeadLettered, await harness.Handler.HandleAsync(delivery, shutdown.Token));

        Assert.Equal(["deadletter:Interrupted"], receiver.Calls.Where(c => c != "renew"));
        Assert.Equal((JobState.Failed, "Interrupted"), (harness.Record(job)!.State, harness.Record(job)!.ErrorCode));
    }

    [Fact]
    public async Task A_lost_lock_cancels_the_work_and_settles_nothing()
    {
        // On a clock the test moves: on the system clock, a keeper stalled past the 400 ms lock (a loaded 2-core machine)
        // found it expired and never asked the broker to renew it.
        var time = new ManualTimeProvider(Start);
        await using var harness = new WorkerHarness(time: time);
        var receiver = new RecordingServiceBusReceiver { LockLost = true };
        var job = harness.AddJob("sb-lock", FakeScanCodec.Scan(1, 0.1f));
        harness.Model.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var handling = HandleAsync(harness, receiver, Message(job, deliveryCount: 1, lockFor: TimeSpan.FromMilliseconds(400), now: Start));
        await harness.Model.Started.Task.WaitAsync(Wait, TestContext.Current.CancellationToken);
        await time.RunTimersUntilAsync(handling, Wait, TestContext.Current.CancellationToken);
        var outcome = await handling.WaitAsync(Wait, TestContext.Current.CancellationToken);

        Assert.Equal(JobOutcome.LockLost, outcome);
        Assert.Contains("renew", receiver.Calls);
        Assert.DoesNotContain(receiver.Calls, c => c is "complete" or "abandon" || c.StartsWith("deadletter", StringComparison.Ordinal));
        Assert.Equal(JobState.Processing, harness.Record(job)!.State);
        Assert.Empty(harness.ResultPaths(job));
    }
}
