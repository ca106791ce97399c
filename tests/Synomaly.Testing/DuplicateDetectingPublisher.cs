using Synomaly.Contracts;
using Synomaly.Storage.Messaging;

namespace Synomaly.Testing;

/// <summary>A message the queue took in, with when it was sent (on the publisher's clock).</summary>
public sealed record DeliveredScanJob(ScanJob Job, DateTimeOffset SentAt, DateTimeOffset? ScheduledEnqueueTime);

/// <summary>
/// An in-memory queue with Service Bus duplicate detection, as the scan-jobs queue has it (infra/modules/service-bus.bicep,
/// <c>duplicateDetectionWindow</c>, one hour): a message whose MessageId was taken in less than <see cref="Window"/>
/// before is accepted and silently dropped, so the sender cannot tell. Times come from the clock the test sets (a
/// <see cref="ManualClock"/>), so a test can send again inside the window or after it. There is no emulator to run
/// the real thing against here.
/// </summary>
public sealed class DuplicateDetectingPublisher(TimeProvider clock) : IScanJobPublisher
{
    /// <summary>The queue's duplicate-detection window (the Bicep default, PT1H).</summary>
    public static readonly TimeSpan ServiceBusWindow = TimeSpan.FromHours(1);

    private readonly Lock gate = new();
    private readonly List<DeliveredScanJob> delivered = [];
    private readonly List<DeliveredScanJob> dropped = [];
    private readonly Dictionary<string, DateTimeOffset> history = new(StringComparer.Ordinal);

    public TimeSpan Window { get; init; } = ServiceBusWindow;

    /// <summary>Every message the queue took in, in order: what a worker can receive.</summary>
    public IReadOnlyList<DeliveredScanJob> Delivered
    {
        get
        {
            lock (gate)
            {
                return [.. delivered];
            }
        }
    }

    /// <summary>Every message dropped as a duplicate, in order.</summary>
    public IReadOnlyList<DeliveredScanJob> Dropped
    {
        get
        {
            lock (gate)
            {
                return [.. dropped];
            }
        }
    }

    public Task PublishAsync(ScanJob job, DateTimeOffset? scheduledEnqueueTime = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        cancellationToken.ThrowIfCancellationRequested();
        Send(job, scheduledEnqueueTime);
        return Task.CompletedTask;
    }

    public Task PublishBatchAsync(IReadOnlyList<ScanJob> jobs, DateTimeOffset? scheduledEnqueueTime = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        cancellationToken.ThrowIfCancellationRequested();
        foreach (var job in jobs)
        {
            Send(job, scheduledEnqueueTime);
        }

        return Task.CompletedTask;
    }

    private void Send(ScanJob job, DateTimeOffset? scheduledEnqueueTime)
    {
        var now = clock.GetUtcNow();
        var message = new DeliveredScanJob(job, now, scheduledEnqueueTime);
        lock (gate)
        {
            // The window runs from the message taken in; a dropped copy does not extend it.
            if (history.TryGetValue(job.MessageId, out var first) && now - first < Window)
            {
                dropped.Add(message);
                return;
            }

            history[job.MessageId] = now;
            delivered.Add(message);
        }
    }
}
