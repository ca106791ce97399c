using Synomaly.Contracts;

namespace Synomaly.GpuWorker.Status;

/// <summary>The job record is in a state that does not allow the requested transition (see JobStateTransitions).</summary>
public sealed class JobTransitionRejectedException(JobState from, JobState to)
    : Exception($"The job record is {from}; it cannot move to {to}.")
{
    public JobState From { get; } = from;

    public JobState To { get; } = to;
}
