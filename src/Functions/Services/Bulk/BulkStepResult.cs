namespace Synomaly.Functions.Services.Bulk;

public enum BulkStepOutcome
{
    /// <summary>The whole prefix is enumerated; the run is Completed.</summary>
    Completed,

    /// <summary>The step's time budget ran out after a checkpoint; another step must continue.</summary>
    Paused,

    /// <summary>
    /// The run's window is full (<see cref="BulkRunWindow"/>): the step recorded that it looked and asked for the next
    /// step after <see cref="BulkRunWindow.PollInterval"/>.
    /// </summary>
    Waiting,

    /// <summary>Another step moved the checkpoint meanwhile (a duplicate step message); this one stopped without effect.</summary>
    Contended,

    /// <summary>No run with this id.</summary>
    NotFound,

    /// <summary>
    /// The run was closed as abandoned (<see cref="BulkRunState.Abandoned"/>): before the step, which did nothing, or while
    /// it worked, and what it published is counted in the closed run (<see cref="BulkRunClosedUnderStep"/>).
    /// </summary>
    Abandoned,

    /// <summary>
    /// The run was closed by a step that could not go on, or once its step message was poisoned
    /// (<see cref="BulkRunState.Stopped"/>): before the step, which did nothing, or while it worked, and what it published
    /// is counted in the closed run (<see cref="BulkRunClosedUnderStep"/>).
    /// </summary>
    Stopped,
}

public sealed record BulkStepResult(BulkStepOutcome Outcome, BulkRun? Run);
