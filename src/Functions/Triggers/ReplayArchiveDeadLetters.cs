using Microsoft.Azure.Functions.Worker;
using Synomaly.Functions.Services.Archive;

namespace Synomaly.Functions.Triggers;

/// <summary>
/// Hourly: archive deletion events that were not carried out go back on their queue: those Event Grid could not deliver
/// and those the queue trigger gave up on, each side whatever the other did (<see cref="ArchiveDeletionReplay"/>).
/// </summary>
public sealed class ReplayArchiveDeadLetters(ArchiveDeletionReplay replay)
{
    [Function(nameof(ReplayArchiveDeadLetters))]
    public Task Run([TimerTrigger(ArchiveDeadLetterReplay.Schedule)] TimerInfo timer, CancellationToken cancellationToken) =>
        replay.RunAsync(cancellationToken);
}
