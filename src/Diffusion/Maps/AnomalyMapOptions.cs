namespace Synomaly.Diffusion.Maps;

/// <summary>
/// How an anomaly map is made from an image and its reconstruction (ALGORITHM.md 3.4): blur both with OpenCV's kernel of
/// size <see cref="BlurKernel"/>, take the absolute difference, zero it below <see cref="Threshold"/>, and drop 4-connected
/// components smaller than <see cref="MinComponentSize"/> pixels. <see cref="ThresholdScale"/> (H·W factors, an extension;
/// null: the reference) makes the threshold θ·scale per pixel.
/// </summary>
public sealed record AnomalyMapOptions(int BlurKernel, double Threshold, int MinComponentSize = AnomalyMapOptions.DefaultMinComponentSize, float[]? ThresholdScale = null)
{
    /// <summary>The reference's <c>remove_small_spots</c> size.</summary>
    public const int DefaultMinComponentSize = 30;

    /// <summary>
    /// The reference's 30 pixels at 128×128 scaled by area to a model of <paramref name="imageSize"/> pixels a side,
    /// 30·(size/128)² rounded, at least 1: 8 at 64 px, 2 at 32 px. A fixed 30 would drop at 64 px lesions four times as
    /// large, in tissue, as the reference drops.
    /// </summary>
    public static int DefaultMinComponentSizeFor(int imageSize) =>
        Math.Max(1, (int)Math.Round(DefaultMinComponentSize * (double)imageSize * imageSize / (128.0 * 128.0)));

    /// <summary>Throws a typed error naming the first invalid value.</summary>
    public void Validate()
    {
        if (BlurKernel <= 0 || BlurKernel % 2 == 0)
        {
            throw new InvalidOptionException(nameof(BlurKernel), BlurKernel, "The blur kernel size must be a positive odd number.");
        }

        if (!(Threshold >= 0) || double.IsInfinity(Threshold))
        {
            throw new InvalidOptionException(nameof(Threshold), Threshold, "The map threshold must be a finite number >= 0.");
        }

        if (ThresholdScale is not null && !ThresholdScale.All(f => float.IsFinite(f) && f > 0))
        {
            throw new InvalidOptionException(nameof(ThresholdScale), ThresholdScale.Length, "Per-pixel threshold factors must be finite and positive.");
        }

        if (MinComponentSize < 0)
        {
            throw new InvalidOptionException(nameof(MinComponentSize), MinComponentSize, "The minimum component size must be >= 0.");
        }
    }
}
