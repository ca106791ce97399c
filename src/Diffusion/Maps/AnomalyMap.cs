using TorchSharp;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Maps;

/// <summary>
/// The anomaly map of a batch on the device (the reference's <c>create_gaussian_blur_difference_map</c> followed by
/// <c>remove_small_spots</c>): <see cref="Map"/> [B,1,H,W] is the continuous map A, <see cref="Mask"/> the binary mask A ≠ 0,
/// <see cref="Scores"/> [B] the image-level score Σ mask (int64). The caller owns the tensors.
/// </summary>
public sealed class AnomalyMap : IDisposable
{
    private AnomalyMap(Tensor map, Tensor mask, Tensor scores)
    {
        Map = map;
        Mask = mask;
        Scores = scores;
    }

    public Tensor Map { get; }

    public Tensor Mask { get; }

    public Tensor Scores { get; }

    /// <summary>
    /// The per-pixel threshold factors of <paramref name="options"/> as a [1,1,H,W] float32 tensor on
    /// <paramref name="device"/>, or null when it has none. A caller that computes many maps with the same options (every
    /// stage of a batch) uploads them once and passes them to <see cref="Compute"/>; the caller owns the tensor.
    /// </summary>
    public static Tensor? ThresholdFactors(AnomalyMapOptions options, int height, int width, Device device)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ThresholdScale is null)
        {
            return null;
        }

        RequireFactorsFit(options, height, width);
        return tensor(options.ThresholdScale, [1, 1, height, width], ScalarType.Float32, device);
    }

    /// <summary>
    /// Computes the maps of images <paramref name="x0"/> against reconstructions <paramref name="reconstruction"/>, both
    /// [B,1,H,W]. <paramref name="scaleApplies"/> ([B] bool) limits the per-pixel threshold factors to the slices marked true;
    /// the others keep the single θ. Null: the factors, if any, apply to every slice. <paramref name="thresholdFactors"/>:
    /// the options' factors already on the device (<see cref="ThresholdFactors"/>); null uploads them for this call.
    /// </summary>
    public static AnomalyMap Compute(Tensor x0, Tensor reconstruction, AnomalyMapOptions options, Tensor? scaleApplies = null, Tensor? thresholdFactors = null)
    {
        options.Validate();
        if (!x0.shape.SequenceEqual(reconstruction.shape))
        {
            throw new ArgumentException($"Image [{string.Join(",", x0.shape)}] and reconstruction [{string.Join(",", reconstruction.shape)}] differ in shape.", nameof(reconstruction));
        }

        RequireFactorsFit(options, x0.shape[2], x0.shape[3]);

        if (scaleApplies is not null && (scaleApplies.dtype != ScalarType.Bool || !scaleApplies.shape.SequenceEqual([x0.shape[0]])))
        {
            throw new ArgumentException($"Expected one boolean per slice [{x0.shape[0]}] saying where the threshold factors apply, got {scaleApplies.dtype} [{string.Join(",", scaleApplies.shape)}].", nameof(scaleApplies));
        }

        using var scope = NewDisposeScope();
        var difference = BlurredDifference(x0, reconstruction, options.BlurKernel);

        // D[D < θ] = 0, compared in the map's precision as the reference does (float32 map, Python float θ).
        if (options.ThresholdScale is null)
        {
            difference = difference.ZeroWhere(difference.Below(options.Threshold));
        }
        else
        {
            // θ·scale in float32 on the device, broadcast over the batch (factor 1 for the slices the factors do not apply to).
            var scale = thresholdFactors ?? ThresholdFactors(options, (int)x0.shape[2], (int)x0.shape[3], x0.device)!;
            if (!scale.shape.SequenceEqual([1, 1, x0.shape[2], x0.shape[3]]))
            {
                throw new ArgumentException($"Expected the threshold factors as [1,1,{x0.shape[2]},{x0.shape[3]}], got [{string.Join(",", scale.shape)}].", nameof(thresholdFactors));
            }

            if (scaleApplies is not null)
            {
                scale = where(scaleApplies.to(x0.device).view(-1, 1, 1, 1), scale, ones_like(scale));
            }

            var threshold = scale.Times(options.Threshold);
            difference = difference.ZeroWhere(difference.lt(threshold));
        }

        var keep = ConnectedComponents.KeepLargeComponents(difference.Above(0).squeeze(1), options.MinComponentSize).unsqueeze(1);
        var map = difference.mul(keep);
        var mask = map.NonZero();
        var scores = mask.sum([1, 2, 3], type: ScalarType.Int64);
        return new AnomalyMap(map.MoveToOuterDisposeScope(), mask.MoveToOuterDisposeScope(), scores.MoveToOuterDisposeScope());
    }

    private static void RequireFactorsFit(AnomalyMapOptions options, long height, long width)
    {
        if (options.ThresholdScale is not null && options.ThresholdScale.Length != height * width)
        {
            throw new InvalidOptionException(nameof(options.ThresholdScale), options.ThresholdScale.Length, $"The per-pixel threshold factors are for another image size: the slices have {height}x{width} pixels.");
        }
    }

    /// <summary>
    /// |blur_k(x0) − blur_k(x̂)|, the map before any threshold or component filter: the continuous pixel score that
    /// ranking metrics need (a thresholded map ties every pixel under θ at 0). The caller owns the result.
    /// </summary>
    public static Tensor BlurredDifference(Tensor x0, Tensor reconstruction, int blurKernel)
    {
        using var scope = NewDisposeScope();
        return (OpenCvGaussianBlur.Apply(x0, blurKernel) - OpenCvGaussianBlur.Apply(reconstruction, blurKernel)).abs().MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        Map.Dispose();
        Mask.Dispose();
        Scores.Dispose();
    }
}
