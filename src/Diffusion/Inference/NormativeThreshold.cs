using System.Text.Json.Serialization;
using Synomaly.Diffusion.Weights;

namespace Synomaly.Diffusion.Inference;

/// <summary>
/// Per-pixel factors of the map threshold: a pixel is anomalous where the blurred difference reaches θ·Scale[p] instead
/// of θ. An extension of the method (off by default: without it every pixel has the reference's one θ). The factors
/// come from healthy training slices (<c>synomaly tune --normative-data</c>): where healthy tissue is reconstructed less
/// well (the cortex ribbon and the brain's outline, in the demo model) θ rises, where it is reconstructed well (deep
/// white matter) θ falls. This only makes sense for slices registered to one template, so that a pixel is the same
/// place in every slice, as the brain MRI slices are.
/// </summary>
/// <param name="Scale">H·W factors, row-major, all finite and positive: α·max(m, m̄/20)/m̄ + (1 − α), with m the mean healthy residual at the pixel and m̄ its mean over the head.</param>
/// <param name="Alpha">How much of the healthy residual's pattern the factors follow (0: none, the reference; 1: all).</param>
/// <param name="HealthySlices">How many healthy training slices the mean residual was measured on.</param>
/// <param name="Timestep">The t the residual was measured at.</param>
/// <param name="BlurKernel">The blur kernel k the residual was measured with.</param>
/// <param name="NoiseDraws">The noise draws the residual was measured with.</param>
/// <param name="HeadTemplate">The share of the healthy slices the factors were measured on with head at each pixel (H·W; <see cref="HeadAlignment"/>).</param>
/// <param name="MinHeadCorrelation">
/// The gate: a slice whose head mask correlates with <paramref name="HeadTemplate"/> less than this keeps the reference's
/// single θ, because its pixels are not the places the factors describe. Set from the healthy training slices' own
/// correlations.
/// </param>
/// <remarks>
/// The residual depends on t, k and the draws, so options whose first t, k or draws differ from the measurement are
/// refused (<see cref="InferenceOptions.Validate"/>) rather than thresholded with another setting's factors. Cards tuned
/// before the gate existed have no head template, and their factors apply to every slice.
/// </remarks>
public sealed record NormativeThreshold(
    [property: JsonConverter(typeof(CompactFloatArrayConverter))] float[] Scale,
    double Alpha,
    int HealthySlices,
    int Timestep,
    int BlurKernel,
    int NoiseDraws,
    [property: JsonConverter(typeof(CompactFloatArrayConverter))]
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    float[]? HeadTemplate = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    double? MinHeadCorrelation = null)
{
    /// <summary>Throws a typed error naming the first inconsistent part (the factors themselves are checked with the map).</summary>
    public void Validate()
    {
        if ((HeadTemplate is null) != (MinHeadCorrelation is null))
        {
            throw new InvalidOptionException(nameof(HeadTemplate), HeadTemplate is null ? "missing" : "present", "The normative threshold's head template and its minimum correlation come together; tune again with --normative-data.");
        }

        if (HeadTemplate is not null && (HeadTemplate.Length != Scale.Length || !HeadTemplate.All(v => v is >= 0 and <= 1)))
        {
            throw new InvalidOptionException(nameof(HeadTemplate), HeadTemplate.Length, $"The head template must hold {Scale.Length} shares between 0 and 1, one per threshold factor.");
        }

        if (MinHeadCorrelation is { } floor && !(floor is >= -1 and <= 1))
        {
            throw new InvalidOptionException(nameof(MinHeadCorrelation), floor, "The minimum head correlation is a correlation, between -1 and 1.");
        }
    }
}
