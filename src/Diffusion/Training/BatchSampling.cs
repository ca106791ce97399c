namespace Synomaly.Diffusion.Training;

/// <summary>How the trainer picks each batch's images.</summary>
public enum BatchSampling
{
    /// <summary>
    /// As the reference's shuffled DataLoader (the default): a seeded permutation per epoch, taken a batch at a time, so
    /// every image is seen exactly once per epoch; the last batch of an epoch holds what is left (drop_last false).
    /// </summary>
    Epoch = 0,

    /// <summary>Each batch drawn uniformly with replacement, independently of the others (every run before the option).</summary>
    Replacement,
}

/// <summary>The command-line names of <see cref="BatchSampling"/>.</summary>
public static class BatchSamplings
{
    public static string Name(this BatchSampling sampling) => sampling switch
    {
        BatchSampling.Epoch => "epoch",
        BatchSampling.Replacement => "replacement",
        _ => throw new ArgumentOutOfRangeException(nameof(sampling), sampling, "Unknown batch sampling."),
    };

    /// <summary>Parses epoch or replacement (case-insensitive); anything else is an <see cref="InvalidOptionException"/>.</summary>
    public static BatchSampling Parse(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        "epoch" => BatchSampling.Epoch,
        "replacement" => BatchSampling.Replacement,
        _ => throw new InvalidOptionException("sampling", name, "The batch sampling (--sampling) must be epoch or replacement."),
    };
}
