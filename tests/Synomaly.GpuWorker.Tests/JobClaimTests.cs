using Synomaly.GpuWorker.Status;

namespace Synomaly.GpuWorker.Tests;

/// <summary>Which claim on a Processing job a delivery may take over: its own, and a redelivery its own message's.</summary>
public sealed class JobClaimTests
{
    [Fact]
    public void A_delivery_takes_over_its_own_claim_written_by_an_attempt_whose_answer_was_lost()
    {
        var first = new JobClaim("queue-message-1", 1);
        var redelivery = new JobClaim("queue-message-1", 2);

        Assert.True(first.MayTakeOver(first.Value));
        Assert.True(redelivery.MayTakeOver(redelivery.Value));
    }

    [Fact]
    public void A_first_delivery_takes_over_no_other_claim_not_even_one_of_the_same_message_id()
    {
        // Service Bus copies share the job's message id, and one sent again after the duplicate-detection window is a
        // first delivery too: the random part tells the two claims apart.
        var delivery = new JobClaim("scan:etag:1.0.0", 1);

        Assert.False(delivery.MayTakeOver(new JobClaim("scan:etag:1.0.0", 1).Value));
        Assert.False(delivery.MayTakeOver(new JobClaim("queue-message-2", 1).Value));
        Assert.False(delivery.MayTakeOver(null)); // started before claims were recorded: another copy's, as before
    }

    [Fact]
    public void A_redelivery_takes_over_its_own_messages_earlier_claim_and_an_unrecorded_one_but_not_another_copys()
    {
        var redelivery = new JobClaim("queue-message-1", 3);

        Assert.True(redelivery.MayTakeOver(new JobClaim("queue-message-1", 2).Value)); // that delivery died or lost its lock
        Assert.True(redelivery.MayTakeOver(new JobClaim("queue-message-1", 1).Value));
        Assert.True(redelivery.MayTakeOver(null));
        Assert.False(redelivery.MayTakeOver(new JobClaim("queue-message-2", 1).Value)); // that copy carries the job
        Assert.False(redelivery.MayTakeOver(new JobClaim("queue-message-1-and-more", 1).Value));
    }

    [Fact]
    public void A_claim_names_its_delivery_and_copy_and_differs_between_deliveries_of_the_same_count()
    {
        var claim = new JobClaim("queue@message", 2);

        Assert.Matches("^2\\.[0-9a-f]{32}@queue@message$", claim.Value);
        Assert.NotEqual(claim.Value, new JobClaim("queue@message", 2).Value);
        Assert.True(new JobClaim("queue@message", 3).MayTakeOver(claim.Value));
    }

    [Fact]
    public void A_claim_needs_a_copy_id_and_a_delivery_count_of_at_least_one()
    {
        Assert.Throws<ArgumentException>(() => new JobClaim("", 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new JobClaim("queue-message-1", 0));
    }
}
