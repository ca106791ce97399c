using Synomaly.Contracts;

namespace Synomaly.GpuWorker.Status;

/// <summary>
/// The job transitions a worker may make: those of <see cref="JobStateTransitions"/>, but never out of a finished job. A
/// Failed or Succeeded job goes back to Queued only by intake (a resubmit, a new upload); a worker that found it finished
/// was racing another delivery of the same message, which settled it, and moving it on (a retry to Queued after its
/// message is gone) would leave it waiting for a message that never comes.
/// </summary>
public static class WorkerTransitions
{
    /// <exception cref="JobTransitionRejectedException">The transition is not the worker's to make.</exception>
    public static void Require(JobState from, JobState to)
    {
        if (from.IsTerminal() || !JobStateTransitions.IsAllowed(from, to))
        {
            throw new JobTransitionRejectedException(from, to);
        }
    }
}
