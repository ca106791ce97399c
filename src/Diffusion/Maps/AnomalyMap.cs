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

    /// <summary>Computes the maps of images <paramref name="x0"/> against reconstructions <paramref name="reconstruction"/>, both [B,1,H,W].</summary>
    public static AnomalyMap Compute(Tensor x0, Tensor reconstruction, AnomalyMapOptions options)
    {
        options.Validate();
        if (!x0.shape.SequenceEqual(reconstruction.shape))
        {
            throw new ArgumentException($"Image [{string.Join(",", x0.shape)}] and reconstruction [{string.Join(",", reconstruction.shape)}] differ in shape.", nameof(reconstruction));
        }

        if (options.ThresholdScale is not null && options.ThresholdScale.Length != x0.shape[2] * x0.shape[3])
        {
            throw new InvalidOptionException(nameof(options.ThresholdScale), options.ThresholdScale.Length, $"The per-pixel threshold factors are for another image size: the slices have {x0.shape[2]}x{x0.shape[3]} pixels.");
        }

        using var scope = NewDisposeScope();
        var difference = (OpenCvGaussianBlur.Apply(x0, options.BlurKernel) - OpenCvGaussianBlur.Apply(reconstruction, options.BlurKernel)).abs();

        // D[D < θ] = 0, compared in the map's precision as the reference does (float32 map, Python float θ); with per-pixel
        // factors θ·scale in float32 on the device, broadcast over the batch.
        var scale = options.ThresholdScale is null ? null : tensor(options.ThresholdScale, [1, 1, x0.shape[2], x0.shape[3]], ScalarType.Float32).to(x0.device);
        Tensor Below(Tensor values, double factor) => scale is null ? values.lt(options.Threshold * factor) : values.lt(scale.mul(options.Threshold * factor));

        Tensor keep;
        if (options.HysteresisRatio == 1)
        {
            difference = difference.masked_fill(Below(difference, 1), 0);
            keep = ConnectedComponents.KeepLargeComponents(difference.gt(0).squeeze(1), options.MinComponentSize).unsqueeze(1);
        }
        else
        {
            // Hysteresis: pixels over the lower threshold ρ·θ stay where their component reaches θ somewhere, so a lesion
            // found by its core keeps its fainter rim, while faint regions with no core stay out.
            var seeds = Below(difference, 1).logical_not();
            difference = difference.masked_fill(Below(difference, options.HysteresisRatio), 0);
            keep = ConnectedComponents.KeepLargeComponents(difference.gt(0).squeeze(1), options.MinComponentSize, seeds.squeeze(1)).unsqueeze(1);
        }

        var map = difference.mul(keep);
        var mask = map.ne(0);
        var scores = mask.sum([1, 2, 3], type: ScalarType.Int64);
        return new AnomalyMap(map.MoveToOuterDisposeScope(), mask.MoveToOuterDisposeScope(), scores.MoveToOuterDisposeScope());
    }

    public void Dispose()
    {
        Map.Dispose();
        Mask.Dispose();
        Scores.Dispose();
    }
}
