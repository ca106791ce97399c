namespace Synomaly.Contracts;

/// <summary>
/// The life cycle of a job. Every job ends <see cref="Succeeded"/> or <see cref="Failed"/>; none stays
/// <see cref="Processing"/> once its message is dead-lettered or its attempts are exhausted.
/// </summary>
public enum JobState
{
    Queued = 0,
    Processing,
    Succeeded,
    Failed,
}

public static class JobStateTransitions
{
    /// <summary>
    /// Whether a job may move from one state to another. Processing may be re-entered (a redelivered message after a
    /// crashed worker); terminal states never go back to Processing. Both may be queued again: a Failed job by an explicit
    /// resubmit or a new version of its upload, a Succeeded job by a new version of its upload only (intake never requeues
    /// a version that succeeded).
    /// </summary>
    public static bool IsAllowed(JobState from, JobState to) => (from, to) switch
    {
        (JobState.Queued, JobState.Processing or JobState.Failed or JobState.Queued) => true,
        (JobState.Processing, JobState.Processing or JobState.Succeeded or JobState.Failed or JobState.Queued) => true,
        (JobState.Failed or JobState.Succeeded, JobState.Queued) => true,
        _ => false,
    };

    public static bool IsTerminal(this JobState state) => state is JobState.Succeeded or JobState.Failed;
}
