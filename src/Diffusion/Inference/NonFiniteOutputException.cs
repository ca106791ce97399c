namespace Synomaly.Diffusion.Inference;

/// <summary>
/// The network answered NaN or infinite values for finite slices, so their reconstructions are not numbers;
/// <see cref="Slices"/> lists their positions in the batch.
/// </summary>
public sealed class NonFiniteOutputException : InvalidOperationException
{
    public NonFiniteOutputException(IReadOnlyList<int> slices, int count)
        : base(Describe(slices, count))
    {
        Slices = slices;
    }

    /// <summary>The positions (from 0) of the slices whose reconstruction holds a non-finite value.</summary>
    public IReadOnlyList<int> Slices { get; }

    private static string Describe(IReadOnlyList<int> slices, int count) =>
        $"The network gave NaN or infinite values for {(slices.Count == 1 ? "a slice" : $"{slices.Count} slices")} ({string.Join(", ", slices.Take(10).Select(i => $"slice {i} of {count}"))}{(slices.Count > 10 ? ", ..." : "")}) " +
        "although every input pixel was finite: the weights, the precision or the device are at fault. No map is returned, since it would mark every such pixel as anomalous.";
}
