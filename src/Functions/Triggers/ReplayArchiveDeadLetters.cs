using Microsoft.Azure.Functions.Worker;
using Synomaly.Functions.Services.Archive;

namespace Synomaly.Functions.Triggers;

/// <summary>
/// Hourly: archive deletion events that were not carried out go back on their queue: those Event Grid could not deliver
/// (<see cref="ArchiveDeadLetterReplay"/>) and those the queue trigger gave up on (<see cref="ArchiveDeletionPoisonReplay"/>).
/// </summary>
public sealed class ReplayArchiveDeadLetters(ArchiveDeadLetterReplay deadLetterReplay, ArchiveDeletionPoisonReplay poisonReplay)
{
    [Function(nameof(ReplayArchiveDeadLetters))]
    public async Task Run([TimerTrigger(ArchiveDeadLetterReplay.Schedule)] TimerInfo timer, CancellationToken cancellationToken)
    {
        await deadLetterReplay.RunAsync(cancellationToken).ConfigureAwait(false);
        await poisonReplay.RunAsync(cancellationToken).ConfigureAwait(false);
    }
}
