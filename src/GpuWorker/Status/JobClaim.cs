using Synomaly.GpuWorker.Messaging;

namespace Synomaly.GpuWorker.Status;

/// <summary>
/// One delivery's claim on its job: the value it writes into the job record (<c>ClaimedBy</c>) as it moves the job to
/// Processing, and the rule for which other delivery's claim it may take over. Only the claim's holder runs the model;
/// a delivery that finds another's claim completes its message as a duplicate.
/// </summary>
/// <remarks>
/// <para>
/// The move is ETag-checked (JobStore re-reads on a lost race and checks again), so no two deliveries can both see the
/// record free and both take it. Why a value of the delivery's own rather than the state and the ETag alone: a delivery
/// whose write went through while its answer was lost (the storage SDK retries the request and meets its own change as
/// a 412; the transient retry calls again) finds the job Processing under an ETag it never saw, just as one that lost
/// the race does. Taken for a duplicate, it would complete its message while nobody runs the job. And a redelivery must
/// tell the claim of an earlier delivery of its own message (expected there: that delivery died or lost its lock, and
/// the broker gave the message back) from a claim of another copy, which the state and ETag do not say either.
/// </para>
/// <para>
/// Hence the parts: the broker's message id says which copy (a Storage Queue gives each copy sent its own id, and keeps
/// it over redeliveries); the delivery count says which delivery of it (to a reader of the record); the random part
/// tells this delivery from another copy with the same id and count: Service Bus copies share the job's message id, and
/// one sent again after the duplicate-detection window is a first delivery too.
/// </para>
/// </remarks>
public sealed class JobClaim
{
    private const char CopySeparator = '@';

    private readonly string copyId;

    /// <param name="copyId">The broker's id of the message copy (<see cref="ScanJobDelivery.MessageId"/>).</param>
    /// <param name="deliveryCount">Which delivery of that copy claims the job (1 for the first).</param>
    public JobClaim(string copyId, int deliveryCount)
    {
        ArgumentException.ThrowIfNullOrEmpty(copyId);
        ArgumentOutOfRangeException.ThrowIfLessThan(deliveryCount, 1);
        this.copyId = copyId;
        DeliveryCount = deliveryCount;
        Value = FormattableString.Invariant($"{deliveryCount}.{Guid.NewGuid():N}{CopySeparator}{copyId}");
    }

    /// <summary>The claim of <paramref name="delivery"/>, made once per delivery: every retry of its claim writes the same value.</summary>
    public static JobClaim For(ScanJobDelivery delivery)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        return new JobClaim(delivery.MessageId, delivery.DeliveryCount);
    }

    public int DeliveryCount { get; }

    /// <summary>What the record stores: "{delivery count}.{random}@{message copy id}".</summary>
    public string Value { get; }

    /// <summary>
    /// Whether this delivery may move a job that is Processing under <paramref name="claimedBy"/> to Processing for itself.
    /// </summary>
    public bool MayTakeOver(string? claimedBy)
    {
        if (claimedBy == Value)
        {
            return true; // this delivery's own claim, written by an attempt whose answer was lost
        }

        if (DeliveryCount == 1)
        {
            return false; // a first delivery has no earlier one: the job is another copy's
        }

        // A redelivery takes over a claim of its own message's earlier delivery, and one written before claims were
        // recorded, which cannot say whose it is (taken over, as every Processing record was before). Another copy's
        // claim stays: that copy carries the job to its end, or its redelivery does.
        return claimedBy is null || CopyOf(claimedBy) == copyId;
    }

    private static string? CopyOf(string claimedBy)
    {
        var separator = claimedBy.IndexOf(CopySeparator, StringComparison.Ordinal);
        return separator < 0 ? null : claimedBy[(separator + 1)..];
    }
}
