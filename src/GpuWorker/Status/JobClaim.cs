using Synomaly.GpuWorker.Messaging;
using Synomaly.GpuWorker.Options;

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
/// <para>
/// A claim also ends with its delivery's lock. No delivery works on past its renewal bound plus one lock
/// (<see cref="MessageLockKeeper"/> cancels it then), so a claim started longer ago than that (<see cref="LongestHold"/>)
/// is nobody's: its message was dead-lettered by the broker or expired with the record still Processing. Any delivery
/// takes such a claim over, rather than complete its copy as a duplicate and leave the job to the expiry sweep.
/// </para>
/// </remarks>
public sealed class JobClaim
{
    private const char CopySeparator = '@';

    /// <summary>The longest lock Service Bus grants (a queue's lockDuration is at most five minutes).</summary>
    private static readonly TimeSpan ServiceBusLongestLock = TimeSpan.FromMinutes(5);

    /// <summary>
    /// For the clocks of the worker that claimed and the one that reads the claim, and for a cancelled job to stop (a
    /// model stage, a write under way).
    /// </summary>
    private static readonly TimeSpan Allowance = TimeSpan.FromMinutes(5);

    private readonly string copyId;

    /// <param name="copyId">The broker's id of the message copy (<see cref="ScanJobDelivery.MessageId"/>).</param>
    /// <param name="deliveryCount">Which delivery of that copy claims the job (1 for the first).</param>
    /// <param name="abandonedBefore">A claim started before this is nobody's any more; null: every claim may still be held.</param>
    public JobClaim(string copyId, int deliveryCount, DateTimeOffset? abandonedBefore = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(copyId);
        ArgumentOutOfRangeException.ThrowIfLessThan(deliveryCount, 1);
        this.copyId = copyId;
        DeliveryCount = deliveryCount;
        AbandonedBefore = abandonedBefore;
        Value = FormattableString.Invariant($"{deliveryCount}.{Guid.NewGuid():N}{CopySeparator}{copyId}");
    }

    /// <summary>
    /// The claim of <paramref name="delivery"/> at <paramref name="now"/>, made once per delivery: every retry of its claim
    /// writes the same value.
    /// </summary>
    public static JobClaim For(ScanJobDelivery delivery, WorkerOptions settings, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        return new JobClaim(delivery.MessageId, delivery.DeliveryCount, now - LongestHold(settings));
    }

    /// <summary>
    /// The longest a delivery can hold a claim: the renewal bound (Worker__LockRenewalMinutes, which every replica of a
    /// deployment shares), then the lock it last renewed running out (Service Bus's longest, or the Storage Queue lock),
    /// and <see cref="Allowance"/>.
    /// </summary>
    public static TimeSpan LongestHold(WorkerOptions settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var longestLock = settings.StorageQueueLock > ServiceBusLongestLock ? settings.StorageQueueLock : ServiceBusLongestLock;
        return settings.LockRenewalBound + longestLock + Allowance;
    }

    public int DeliveryCount { get; }

    /// <summary>A claim started before this is nobody's any more; null: every claim may still be held.</summary>
    public DateTimeOffset? AbandonedBefore { get; }

    /// <summary>What the record stores: "{delivery count}.{random}@{message copy id}".</summary>
    public string Value { get; }

    /// <summary>
    /// Whether this delivery may move a job that is Processing under <paramref name="claimedBy"/>, claimed at
    /// <paramref name="startedAt"/>, to Processing for itself.
    /// </summary>
    public bool MayTakeOver(string? claimedBy, DateTimeOffset? startedAt)
    {
        if (claimedBy == Value)
        {
            return true; // this delivery's own claim, written by an attempt whose answer was lost
        }

        if (startedAt < AbandonedBefore)
        {
            return true; // its delivery's lock has run out: nobody works on the job
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
