using Synomaly.GpuWorker.Messaging;
using Synomaly.GpuWorker.Options;
using Synomaly.GpuWorker.Status;

namespace Synomaly.GpuWorker.Tests;

/// <summary>
/// Which claim on a Processing job a delivery may take over: its own, a redelivery its own message's, and any delivery one
/// whose delivery's lock has run out.
/// </summary>
public sealed class JobClaimTests
{
    [Fact]
    public void A_delivery_takes_over_its_own_claim_written_by_an_attempt_whose_answer_was_lost()
    {
        var first = new JobClaim("queue-message-1", 1);
        var redelivery = new JobClaim("queue-message-1", 2);

        Assert.True(first.MayTakeOver(first.Value, startedAt: null));
        Assert.True(redelivery.MayTakeOver(redelivery.Value, startedAt: null));
    }

    [Fact]
    public void A_first_delivery_takes_over_no_other_claim_not_even_one_of_the_same_message_id()
    {
        // Service Bus copies share the job's message id, and one sent again after the duplicate-detection window is a
        // first delivery too: the random part tells the two claims apart.
        var delivery = new JobClaim("scan:etag:1.0.0", 1);

        Assert.False(delivery.MayTakeOver(new JobClaim("scan:etag:1.0.0", 1).Value, startedAt: null));
        Assert.False(delivery.MayTakeOver(new JobClaim("queue-message-2", 1).Value, startedAt: null));
        Assert.False(delivery.MayTakeOver(null, startedAt: null)); // started before claims were recorded: another copy's, as before
    }

    [Fact]
    public void A_redelivery_takes_over_its_own_messages_earlier_claim_and_an_unrecorded_one_but_not_another_copys()
    {
        var redelivery = new JobClaim("queue-message-1", 3);

        Assert.True(redelivery.MayTakeOver(new JobClaim("queue-message-1", 2).Value, startedAt: null)); // that delivery died or lost its lock
        Assert.True(redelivery.MayTakeOver(new JobClaim("queue-message-1", 1).Value, startedAt: null));
        Assert.True(redelivery.MayTakeOver(null, startedAt: null));
        Assert.False(redelivery.MayTakeOver(new JobClaim("queue-message-2", 1).Value, startedAt: null)); // that copy carries the job
        Assert.False(redelivery.MayTakeOver(new JobClaim("queue-message-1-and-more", 1).Value, startedAt: null));
    }

    [Fact]
    public void A_claim_names_its_delivery_and_copy_and_differs_between_deliveries_of_the_same_count()
    {
        var claim = new JobClaim("queue@message", 2);

        Assert.Matches("^2\\.[0-9a-f]{32}@queue@message$", claim.Value);
        Assert.NotEqual(claim.Value, new JobClaim("queue@message", 2).Value);
        Assert.True(new JobClaim("queue@message", 3).MayTakeOver(claim.Value, startedAt: null));
    }

    [Fact]
    public void A_claim_needs_a_copy_id_and_a_delivery_count_of_at_least_one()
    {
        Assert.Throws<ArgumentException>(() => new JobClaim("", 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new JobClaim("queue-message-1", 0));
    }

    [Fact]
    public async Task A_claim_started_before_its_deliverys_lock_can_have_run_out_is_taken_over_by_any_delivery()
    {
        var now = new DateTimeOffset(2026, 12, 7, 22, 0, 0, TimeSpan.Zero);
        var settings = new WorkerOptions { LockRenewalMinutes = 30, StorageQueueLockSeconds = 60 };
        var hold = JobClaim.LongestHold(settings);
        var source = new InMemoryScanJobSource();
        source.Enqueue(BinaryData.FromString("{}"), "queue-message-2");
        var copy = JobClaim.For((await source.ReceiveAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken))!, settings, now);
        var abandoned = new JobClaim("queue-message-1", 5).Value;

        Assert.Equal(TimeSpan.FromMinutes(30 + 5 + 5), hold); // the bound, Service Bus's longest lock, the allowance
        Assert.True(copy.MayTakeOver(abandoned, now - hold - TimeSpan.FromSeconds(1)));
        Assert.False(copy.MayTakeOver(abandoned, now - hold + TimeSpan.FromSeconds(1)));
        Assert.False(copy.MayTakeOver(abandoned, startedAt: null));
        Assert.True(copy.MayTakeOver(null, now - hold - TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void A_storage_queue_lock_longer_than_service_bus_s_lengthens_the_hold()
    {
        var settings = new WorkerOptions { LockRenewalMinutes = 10, StorageQueueLockSeconds = 600 };

        Assert.Equal(TimeSpan.FromMinutes(10 + 10 + 5), JobClaim.LongestHold(settings));
    }
}
