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
    /// No step made progress for <see cref="BulkReprocessService.StalledRunAge"/> (a step poisoned, the app down for
    /// hours) when a later run started and closed it (<see cref="BulkRunState.Abandoned"/>).
    /// </summary>
    NoProgress,
}
