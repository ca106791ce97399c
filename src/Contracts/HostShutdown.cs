namespace Synomaly.Contracts;

/// <summary>
/// How long each host takes to stop gracefully after SIGTERM, agreed between the hosts and whatever stops them: the CLI's
/// local pipeline kills a child only once that child's own budget has run out, or a running function or job would be cut
/// off mid-way (its message left locked, its result half written) by the very stop meant to let it finish.
/// </summary>
public static class HostShutdown
{
    /// <summary>The trigger host (DevHost) waits this long for its running functions before it is disposed anyway.</summary>
    public static readonly TimeSpan TriggerHostStopTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Beyond Worker__ShutdownDeadlineSeconds, the time the worker's host gets to abandon the jobs the deadline interrupted
    /// and stop cleanly.
    /// </summary>
    public static readonly TimeSpan WorkerStopMargin = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The longest Worker__ShutdownDeadlineSeconds the worker starts with (from 1): its validator refuses more (stated there
    /// literally, as the infra tests read it; WorkerOptionsValidatorTests holds the two equal), and the
    /// CLI's local pipeline refuses such an override before it starts anything.
    /// </summary>
    public const int MaxWorkerShutdownDeadlineSeconds = 3600;

    /// <summary>The worker host's shutdown timeout for its in-flight jobs' deadline (Worker__ShutdownDeadlineSeconds).</summary>
    public static TimeSpan WorkerStopTimeout(TimeSpan shutdownDeadline) => shutdownDeadline + WorkerStopMargin;
}
