using Synomaly.Imaging.Volumes;

namespace Synomaly.Imaging.Presets;

/// <summary>
/// CT (ALGORITHM.md 4.3): axial slices (array axis 2, of the volume reoriented to axial slices when it is stored in
/// another plane: <see cref="AxialReorientation"/>), Hounsfield units clipped to the organ window (liver: 0-150 HU, the reference's
/// <c>np.clip(HU, 0, 150)</c>) before resampling, then per-image scaling. Without a slice range, slices where less than
/// <see cref="MinTissueShare"/> of the pixels fall inside the window (above or below the body) are skipped.
/// </summary>
public sealed record CtPreset : IModalityPreset
{
    public string Name => "ct";

    public int ModelSize { get; init; } = 128;

    public IntensityScaling Scaling { get; init; } = IntensityScaling.MinMax;

    /// <summary>The slice layout the model was trained on (its card's preprocessing.slice_orientation).</summary>
    public SliceOrientation Orientation { get; init; } = SliceOrientation.Display;

    public double WindowLowHu { get; init; }

    public double WindowHighHu { get; init; } = 150;

    public (int First, int Last)? SliceRange { get; init; }

    public double MinTissueShare { get; init; } = 0.05;

    /// <summary>The axial slices' size, which the volume has once reoriented (<see cref="AxialReorientation.SliceSize"/>).</summary>
    public (int Width, int Height) SliceSize(Volume volume) => AxialReorientation.SliceSize(volume);

    public PreparedScan Prepare(Volume volume, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(volume);
        // The token goes into the reorientation too: its copy of a large volume takes seconds.
        var reoriented = AxialReorientation.Of(volume, cancellationToken);
        var axial = reoriented.Volume;
        var layout = SliceLayout.Of(axial, Orientation);
        int width = layout.Width(axial), height = layout.Height(axial);
        var full = PixelRect.Full(width, height);
        float low = (float)WindowLowHu, high = (float)WindowHighHu;
        var slices = new List<ModelSlice>();
        for (int z = 0; z < axial.Depth; z++)
        {
            // Per slice: a 512x512x300 CT takes seconds, and a shutdown deadline or Ctrl-C must not wait for all of it.
            cancellationToken.ThrowIfCancellationRequested();
            if (SliceRange is { } range ? z < range.First || z > range.Last : TissueShare(axial.Slice(z), low, high) < MinTissueShare)
            {
                continue;
            }

            var image = layout.Extract(axial, z);
            var inside = image.Select(v => v >= low && v <= high).ToArray();
            for (int i = 0; i < image.Length; i++)
            {
                image[i] = Math.Clamp(image[i], low, high);
            }

            var pixels = SliceExtraction.ToModelInput(image, width, full, ModelSize, Scaling);
            var insideResized = Resampling.PilBilinear.Resize(inside.Select(b => b ? 1f : 0f).ToArray(), width, height, ModelSize, ModelSize);
            slices.Add(new ModelSlice(z, full, layout, pixels, [.. insideResized.Select(v => v >= 0.5f)]));
        }

        return new PreparedScan(reoriented, Name, ModelSize, slices);
    }

    private static double TissueShare(ReadOnlySpan<float> slice, float low, float high)
    {
        int count = 0;
        foreach (float v in slice)
        {
            count += v >= low && v <= high ? 1 : 0;
        }

        return (double)count / slice.Length;
    }
}
