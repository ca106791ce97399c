using Synomaly.Diffusion.Maps;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Noise;

/// <summary>
/// Synomaly noise (the reference's <c>generate_synomaly_noise</c> in training mode, ALGORITHM.md 2.5), batched on the device:
/// Gaussian noise n, blurred with OpenCV's kernel for σ, rescaled per image to 0..255, thresholded (&gt; τ) into blobs m,
/// blobs forbidden where the region mask is exactly −1, then noise = n + d·(U[0,1) + o)·m with one direction d and one
/// intensity per image. All draws come from the given generator, so a seeded generator reproduces the batch.
/// </summary>
public static class SynomalyNoise
{
    /// <summary>Draws Synomaly noise of shape [B,1,H,W] (float32) on <paramref name="device"/>.</summary>
    /// <param name="regionMask">Optional [B,1,H,W] or [1,1,H,W]: anomalies are forbidden where it is exactly −1.</param>
    public static Tensor Sample(long[] shape, SynomalyNoiseOptions options, Device device, Generator? generator = null, Tensor? regionMask = null)
    {
        options.Validate();
        if (shape.Length != 4 || shape[1] != 1)
        {
            throw new ArgumentException($"Synomaly noise is drawn for shape [B,1,H,W], got [{string.Join(",", shape)}].", nameof(shape));
        }

        using var scope = NewDisposeScope();
        long batch = shape[0];
        var gaussian = SeededDraws.Normal(shape, device, generator);
        var directions = tensor(options.Directions.ToArray(), dtype: ScalarType.Float32, device: device);
        var direction = options.Directions.Count == 1
            ? directions.expand(batch)
            : directions.index_select(0, SeededDraws.Integers(options.Directions.Count, [batch], device, generator));
        var intensity = SeededDraws.Uniform([batch], device, generator) + options.Offset;
        return Compose(gaussian, options, direction, intensity, regionMask).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The deterministic part: n + d·a·m for Gaussian noise <paramref name="gaussian"/> [B,1,H,W], per-image directions d [B]
    /// and intensities a [B] (already offset), with the blob mask m of <see cref="Blobs"/>.
    /// </summary>
    public static Tensor Compose(Tensor gaussian, SynomalyNoiseOptions options, Tensor direction, Tensor intensity, Tensor? regionMask = null)
    {
        using var scope = NewDisposeScope();
        var blobs = Blobs(gaussian, options, regionMask);
        var shift = (direction * intensity).to_type(gaussian.dtype).view(-1, 1, 1, 1);
        return (gaussian + shift * blobs).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The blob mask m [B,1,H,W] (0/1 in the noise's dtype): blur with OpenCV's kernel for σ (size round(8σ+1)|1), rescale
    /// each image to 0..255 by its own minimum and maximum, keep pixels strictly above τ, clear those where the region mask is −1.
    /// </summary>
    public static Tensor Blobs(Tensor gaussian, SynomalyNoiseOptions options, Tensor? regionMask = null)
    {
        options.Validate();
        using var scope = NewDisposeScope();
        var blurred = OpenCvGaussianBlur.Apply(gaussian, OpenCvGaussianBlur.KernelSizeForSigma(options.Sigma), options.Sigma);
        var low = blurred.amin([1, 2, 3], keepdim: true);
        var range = blurred.amax([1, 2, 3], keepdim: true) - low;

        // skimage.exposure.rescale_intensity(in_range='image', out_range=(0, 255)); a constant image has no blobs.
        var rescaled = (blurred - low) / range.clamp_min(float.Epsilon) * 255;
        var blobs = rescaled.gt(options.Threshold).logical_and(range.gt(0));
        if (regionMask is not null)
        {
            blobs = blobs.logical_and(regionMask.to(gaussian.device).ne(-1));
        }

        return blobs.to_type(gaussian.dtype).MoveToOuterDisposeScope();
    }
}
