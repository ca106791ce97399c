using Microsoft.Azure.Functions.Worker;
using Synomaly.Functions.Services.Archive;

namespace Synomaly.Functions.Triggers;

/// <summary>Hourly: archive deletion events Event Grid could not deliver go back on their queue; see <see cref="ArchiveDeadLetterReplay"/>.</summary>
public sealed class ReplayArchiveDeadLetters(ArchiveDeadLetterReplay replay)
{
    [Function(nameof(ReplayArchiveDeadLetters))]
    public Task Run([TimerTrigger(ArchiveDeadLetterReplay.Schedule)] TimerInfo timer, CancellationToken cancellationToken) =>
        replay.RunAsync(cancellationToken);
}
