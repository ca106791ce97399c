namespace Synomaly.Diffusion.Inference;

/// <summary>Slices given to inference hold NaN or infinite pixels; <see cref="Slices"/> lists their positions in the batch.</summary>
public sealed class NonFiniteInputException : ArgumentException
{
    public NonFiniteInputException(IReadOnlyList<int> slices, int count, string paramName)
        : base(Describe(slices, count), paramName)
    {
        Slices = slices;
    }

    /// <summary>The positions (from 0) of the slices with a non-finite pixel.</summary>
    public IReadOnlyList<int> Slices { get; }

    private static string Describe(IReadOnlyList<int> slices, int count) =>
        $"{(slices.Count == 1 ? "A slice holds" : $"{slices.Count} slices hold")} NaN or infinite pixels ({string.Join(", ", slices.Take(10).Select(i => $"slice {i} of {count}"))}{(slices.Count > 10 ? ", ..." : "")}): " +
        "the network would spread them over the whole slice and every pixel would be marked anomalous.";
}
