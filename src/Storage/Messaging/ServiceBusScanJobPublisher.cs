using Azure.Messaging.ServiceBus;
using Synomaly.Contracts;

namespace Synomaly.Storage.Messaging;

/// <summary>
/// Publishes through an injected <see cref="ServiceBusSender"/> (not the Functions output binding, which cannot set
/// MessageId or CorrelationId). The deterministic MessageId lets the queue's duplicate detection drop repeated events.
/// A scheduled time is capped at <see cref="ScanJobSchedule.MaxDelay"/> ahead, as on the Storage Queue transport.
/// </summary>
public sealed class ServiceBusScanJobPublisher(ServiceBusSender sender, TimeProvider? clock = null) : IScanJobPublisher
{
    private readonly TimeProvider clock = clock ?? TimeProvider.System;

    /// <summary>
    /// Messages per send call. A ScanJob is well under 1 KB, so 100 stay far below the 256 KB Standard-tier batch limit.
    /// </summary>
    public const int MaxMessagesPerSend = 100;

    public const string Subject = nameof(ScanJob);

    public async Task PublishAsync(ScanJob job, DateTimeOffset? scheduledEnqueueTime = null, CancellationToken cancellationToken = default) =>
        await sender.SendMessageAsync(CreateMessage(job, ScanJobSchedule.Cap(scheduledEnqueueTime, clock.GetUtcNow())), cancellationToken).ConfigureAwait(false);

    public async Task PublishBatchAsync(IReadOnlyList<ScanJob> jobs, DateTimeOffset? scheduledEnqueueTime = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        var visibleAt = ScanJobSchedule.Cap(scheduledEnqueueTime, clock.GetUtcNow());
        // One SendMessagesAsync call is one ServiceBusMessageBatch, one transfer that the queue accepts or refuses whole;
        // the chunks of a batch larger than MaxMessagesPerSend are not. A chunk failing after others went out is reported
        // with the jobs sent, as on the Storage Queue transport, so that the caller confirms them. (Duplicate detection
        // would drop their resend within its window, but the records would stay unconfirmed.)
        var sent = 0;
        foreach (var chunk in jobs.Chunk(MaxMessagesPerSend))
        {
            try
            {
                await sender.SendMessagesAsync(chunk.Select(j => CreateMessage(j, visibleAt)), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (sent > 0)
            {
                throw new ScanJobBatchPartlySentException([.. jobs.Take(sent)], jobs.Count, e);
            }

            sent += chunk.Length;
        }
    }

    /// <summary>
    /// The message for one job: JSON body, deterministic MessageId, CorrelationId, content type and subject, scheduled for
    /// <paramref name="scheduledEnqueueTime"/> as given (the publish methods cap it first).
    /// </summary>
    public static ServiceBusMessage CreateMessage(ScanJob job, DateTimeOffset? scheduledEnqueueTime)
    {
        ArgumentNullException.ThrowIfNull(job);
        var message = new ServiceBusMessage(ScanJobSerializer.Serialize(job))
        {
            MessageId = job.MessageId,
            CorrelationId = job.CorrelationId,
            ContentType = "application/json",
            Subject = Subject,
        };
        message.ApplicationProperties["schemaVersion"] = job.SchemaVersion;
        if (scheduledEnqueueTime is { } at)
        {
            message.ScheduledEnqueueTime = at;
        }

        return message;
    }
}
