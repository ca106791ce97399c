namespace Synomaly.Storage.Messaging;

/// <summary>
/// How far ahead a ScanJob may be scheduled, on every transport: <see cref="MaxDelay"/>, the longest visibility delay a
/// Storage Queue message can have. A schedule only throttles (a bulk run spreads its jobs out); one further ahead comes
/// from a very large run at a very low pace or from a skewed clock, and would leave the job Queued and out of every
/// worker's reach until then. Such a message becomes visible at the cap instead, earlier than asked and never later, and
/// the job record says that same time (<see cref="Jobs.JobStore"/> caps it), so the expiry sweep counts from when the
/// message really became visible rather than from a time it never waits for.
/// </summary>
public static class ScanJobSchedule
{
    public static readonly TimeSpan MaxDelay = TimeSpan.FromDays(7);

    /// <summary>
    /// When a message scheduled for <paramref name="requested"/> at <paramref name="now"/> becomes visible: at most
    /// <see cref="MaxDelay"/> ahead; a time already past, or none, is kept as it is (visible at once).
    /// </summary>
    public static DateTimeOffset? Cap(DateTimeOffset? requested, DateTimeOffset now) =>
        requested is { } at && at - now > MaxDelay ? now + MaxDelay : requested;
}
