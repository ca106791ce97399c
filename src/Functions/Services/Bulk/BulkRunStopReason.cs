namespace Synomaly.Functions.Services.Bulk;

/// <summary>Why a bulk run was closed before its listing reached the end (<see cref="BulkRun.StopReason"/>).</summary>
public enum BulkRunStopReason
{
    /// <summary>
    /// Its step found the job table missing (an incomplete deployment or a deleted table): without it no scan can be
    /// reserved, and every retry would fail alike, so the step closed the run at once (<see cref="BulkRunState.Stopped"/>).
    /// </summary>
    JobTableMissing,

    /// <summary>
    /// No step made progress for <see cref="BulkReprocessService.StalledRunAge"/> (the app down for hours, or a
    /// poisoned step whose run could not be closed then) when a later run started and closed it (<see cref="BulkRunState.Abandoned"/>).
    /// </summary>
    NoProgress,

    /// <summary>
    /// Its step failed on every delivery host.json allows (<c>maxDequeueCount</c>, a minute apart) and the Functions host
    /// moved the step message to <c>bulk-reprocess-poison</c>, whose trigger closed the run at once
    /// (<see cref="BulkRunState.Stopped"/>, <see cref="BulkStepPoisonHandler"/>): nothing would ever work it again.
    /// </summary>
    StepPoisoned,
}
