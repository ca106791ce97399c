using static TorchSharp.torch;

namespace Synomaly.Diffusion.Inference;

/// <summary>
/// Whether a slice's head sits where the heads of the healthy training slices sat. The normative threshold's factors
/// belong to places of the training slices' grid, so a slice whose head is elsewhere or of another size (another field of
/// view, another level, a scan not registered to the template) must not be thresholded with them. The head is every
/// pixel above <see cref="HeadLevel"/>, which a lesion inside the brain does not change; the template is the share of
/// training slices with head at each pixel, and the match is the Pearson correlation of the two.
/// </summary>
public static class HeadAlignment
{
    /// <summary>Pixels above this (on the model's [−1, 1] scale, where a min-max normalised slice's background is −1) are head.</summary>
    public const float HeadLevel = -0.9f;

    /// <summary>The share of <paramref name="slices"/> [N,1,H,W] with head at each pixel (H·W, row-major).</summary>
    public static float[] Template(Tensor slices)
    {
        CheckSlices(slices);
        using var scope = NewDisposeScope();
        return slices.gt(HeadLevel).to(ScalarType.Float32).mean([0]).flatten().cpu().data<float>().ToArray();
    }

    /// <summary>
    /// The correlation of each slice's head mask in <paramref name="slices"/> [B,1,H,W] with <paramref name="template"/>
    /// (H·W, row-major), as a [B] float32 tensor on the slices' device. A mask without variation (all head, or none)
    /// correlates 0 with anything.
    /// </summary>
    public static Tensor Correlation(Tensor slices, float[] template)
    {
        CheckSlices(slices);
        ArgumentNullException.ThrowIfNull(template);
        if (slices.shape[2] * slices.shape[3] != template.Length)
        {
            throw new ArgumentException($"Expected slices of {template.Length} pixels each to match the template, got [{string.Join(",", slices.shape)}].", nameof(slices));
        }

        using var scope = NewDisposeScope();
        var x = slices.Above(HeadLevel).to(ScalarType.Float32).flatten(1);
        x = x - x.mean([1], keepdim: true);
        var t = tensor(template, device: slices.device);
        t = (t - t.mean()).unsqueeze(0);
        var covariance = (x * t).sum([1]);
        var norms = (x.square().sum([1]) * t.square().sum()).sqrt();
        var correlation = where(norms.Above(0), covariance / norms.AtLeastOf(float.Epsilon), zeros_like(covariance));
        return correlation.MoveToOuterDisposeScope();
    }

    private static void CheckSlices(Tensor slices)
    {
        ArgumentNullException.ThrowIfNull(slices);
        if (slices.dim() != 4 || slices.shape[1] != 1 || slices.shape[0] < 1)
        {
            throw new ArgumentException($"Expected slices [N,1,H,W], got [{string.Join(",", slices.shape)}].", nameof(slices));
        }
    }
}
