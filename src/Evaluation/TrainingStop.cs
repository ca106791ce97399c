namespace Synomaly.Evaluation;

/// <summary>Why a training sitting ended.</summary>
public enum TrainingStop
{
    /// <summary>Every requested step is done.</summary>
    Completed,

    /// <summary>The sitting's wall-clock budget ran out; the checkpoint resumes the run.</summary>
    TimeLimit,

    /// <summary>The user or the host cancelled (Ctrl+C, SIGTERM); the checkpoint resumes the run.</summary>
    Cancelled,
}
