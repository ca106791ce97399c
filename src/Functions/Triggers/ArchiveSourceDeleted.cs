using Microsoft.Azure.Functions.Worker;
using Synomaly.Functions.Services.Archive;

namespace Synomaly.Functions.Triggers;

/// <summary>
/// An archive blob was deleted by its owner (Event Grid BlobDeleted, delivered to queue <c>archive-deletions</c>): erase
/// the results derived from it. A failed message is retried a minute apart, ten times (host.json <c>extensions.queues</c>),
/// then goes to <c>archive-deletions-poison</c>, which the hourly <see cref="ReplayArchiveDeadLetters"/> puts back on the
/// queue: an erasure is retried until it is carried out. Without the job table the event is put back on the queue for an
/// hour instead, with one Error naming the table (<see cref="ArchiveDeletionHandler.HandleQueuedAsync"/>).
/// </summary>
public sealed class ArchiveSourceDeleted(ArchiveDeletionHandler handler)
{
    [Function(nameof(ArchiveSourceDeleted))]
    public Task Run(
        [QueueTrigger(ArchiveDeletionHandler.QueueName, Connection = "ScansStorage")] string message,
        CancellationToken cancellationToken) =>
        handler.HandleQueuedAsync(message, cancellationToken);
}
