namespace Synomaly.Diffusion.Training;

/// <summary>
/// A checkpoint was made by a run that differs from the one asking to resume it (model configuration, seed, precision, data
/// preparation, noise, region mask or EMA), so continuing would not reproduce an uninterrupted run. The message names both values and how to proceed.
/// </summary>
public sealed class TrainingCheckpointMismatchException : InvalidOperationException
{
    public TrainingCheckpointMismatchException()
    {
    }

    public TrainingCheckpointMismatchException(string message)
        : base(message)
    {
    }

    public TrainingCheckpointMismatchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
