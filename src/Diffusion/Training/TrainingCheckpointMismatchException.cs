namespace Synomaly.Diffusion.Training;

/// <summary>
/// A checkpoint was made by a run that differs from the one asking to resume it (model configuration, seed, precision, data
/// preparation, noise, region mask or EMA), so continuing would not reproduce an uninterrupted run. The message names both values and how to proceed;
/// <see cref="Option"/> names the train option whose value differs, where one does.
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

    /// <param name="option">The train option whose value differs from the checkpoint's (--size), or null where none sets it.</param>
    public TrainingCheckpointMismatchException(string message, string? option)
        : base(message)
    {
        Option = option;
    }

    /// <summary>The train option whose value differs from the checkpoint's, as typed (--model-channels); null where none sets it.</summary>
    public string? Option { get; }
}
