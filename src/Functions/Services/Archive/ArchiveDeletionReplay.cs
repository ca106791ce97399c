using Azure;
using Microsoft.Extensions.Logging;

namespace Synomaly.Functions.Services.Archive;

/// <summary>
/// The hourly replay of archive deletion events that were not carried out: those Event Grid could not deliver
/// (<see cref="ArchiveDeadLetterReplay"/>) and those the queue trigger gave up on (<see cref="ArchiveDeletionPoisonReplay"/>).
/// The two sides share nothing, so each runs whatever the other did: a dead-letter side that fails on every run (its role
/// on <c>eventgrid-deadletter</c> not yet propagated, a dead-letter blob someone holds a lease on) must not keep the poison
/// side from replaying, whose messages the host lets expire after 7 days. A failure is logged by its type and error code
/// only (a storage error's message can quote a blob name, and a dead-letter blob's name an archive file), and the
/// failures are thrown together once both sides have run, so the run still counts as failed.
/// </summary>
public sealed partial class ArchiveDeletionReplay(ArchiveDeadLetterReplay deadLetters, ArchiveDeletionPoisonReplay poison, ILogger<ArchiveDeletionReplay> logger)
{
    /// <exception cref="AggregateException">One side or both failed; each side ran.</exception>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var failedSides = new List<string>();
        var failures = new List<Exception>();
        foreach (var (side, replay) in new (string, Func<Task>)[]
        {
            (ArchiveDeadLetterReplay.ContainerName, () => deadLetters.RunAsync(cancellationToken)),
            (ArchiveDeletionPoisonReplay.PoisonQueueName, () => poison.RunAsync(cancellationToken)),
        })
        {
            try
            {
                await replay().ConfigureAwait(false);
            }
            catch (Exception e) when (!(e is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                // A stopping host is no failure of either side: its cancellation goes straight through.
                LogSideFailed(side, e.GetType().Name, (e as RequestFailedException)?.ErrorCode);
                failedSides.Add(side);
                failures.Add(e);
            }
        }

        if (failures.Count > 0)
        {
            throw new AggregateException($"The replay of archive deletion events from {string.Join(" and ", failedSides)} failed; every side ran.", failures);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The replay of archive deletion events from {Side} failed ({ErrorType} {ErrorCode}); the other side is replayed all the same")]
    private partial void LogSideFailed(string side, string errorType, string? errorCode);
}
