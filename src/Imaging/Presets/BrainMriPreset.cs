using Synomaly.Imaging.Volumes;

namespace Synomaly.Imaging.Presets;

/// <summary>
/// Brain MRI (ALGORITHM.md 4.2): axial slices (array axis 2, as the reference, of the volume reoriented to axial slices
/// when it is stored in another plane: <see cref="AxialReorientation"/>), shown anterior up like the training
/// slices (or laid out as the reference's arrays, <see cref="Orientation"/>), resampled whole to the model size and scaled per image. Slice selection keeps the slices whose brain area is a
/// large share of the largest one (the reference used the mid-axial slices 80-99 of 155), unless a range is given.
/// </summary>
public sealed record BrainMriPreset : IModalityPreset
{
    public string Name => "brain-mri";

    public int ModelSize { get; init; } = 128;

    public IntensityScaling Scaling { get; init; } = IntensityScaling.MinMax;

    /// <summary>The slice layout the model was trained on (its card's preprocessing.slice_orientation).</summary>
    public SliceOrientation Orientation { get; init; } = SliceOrientation.Display;

    /// <summary>Explicit slice range (inclusive z indices); null selects automatically.</summary>
    public (int First, int Last)? SliceRange { get; init; }

    /// <summary>Automatic selection keeps slices whose foreground area is at least this share of the largest.</summary>
    public double MinForegroundShare { get; init; } = 0.6;

    /// <summary>The foreground (head) mask: pixels above this fraction of the slice's range, and the holes they enclose.</summary>
    public double ForegroundThreshold { get; init; } = 0.1;

    /// <summary>The axial slices' size, which the volume has once reoriented (<see cref="AxialReorientation.SliceSize"/>).</summary>
    public (int Width, int Height) SliceSize(Volume volume) => AxialReorientation.SliceSize(volume);

    public PreparedScan Prepare(Volume volume, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(volume);
        // The token goes into the reorientation too: its copy of a large volume takes seconds.
        var reoriented = AxialReorientation.Of(volume, cancellationToken);
        var axial = reoriented.Volume;
        var layout = SliceLayout.Of(axial, Orientation);
        int width = layout.Width(axial);
        var full = PixelRect.Full(width, layout.Height(axial));
        var slices = new List<ModelSlice>();
        foreach (int z in SelectSlices(axial, cancellationToken))
        {
            // Per slice, as in the selection: a 256^3 volume takes about a second, and a shutdown deadline or Ctrl-C must
            // not wait for all of it.
            cancellationToken.ThrowIfCancellationRequested();
            var image = layout.Extract(axial, z);
            var pixels = SliceExtraction.ToModelInput(image, width, full, ModelSize, Scaling);
            slices.Add(new ModelSlice(z, full, layout, pixels, SolidObjectMask.AboveFraction(pixels, ModelSize, ForegroundThreshold)));
        }

        return new PreparedScan(reoriented, Name, ModelSize, slices);
    }

    private IEnumerable<int> SelectSlices(Volume volume, CancellationToken cancellationToken)
    {
        if (SliceRange is { } range)
        {
            int first = Math.Clamp(range.First, 0, volume.Depth - 1), last = Math.Clamp(range.Last, first, volume.Depth - 1);
            return Enumerable.Range(first, last - first + 1);
        }

        if (volume.Depth == 1)
        {
            return [0];
        }

        // One threshold for the whole volume, so that areas compare across slices.
        float max = volume.Voxels.Max(), min = volume.Voxels.Min();
        // A volume spanning more than the float range overflowed max - min: the threshold was infinite, no slice had
        // foreground, and the middle slice was taken whatever it held.
        double threshold = min + (FloatDifference.Of(max, min) * ForegroundThreshold);
        // Solid areas, as the foreground: a large dark lesion must not push its slice out of the selection.
        var areas = Enumerable.Range(0, volume.Depth)
            .Select(z =>
            {
                cancellationToken.ThrowIfCancellationRequested();
                return SolidObjectMask.Above(volume.Slice(z), volume.Width, threshold).Count(inside => inside);
            })
            .ToArray();
        int largest = areas.Max();
        return largest == 0 ? [volume.Depth / 2] : Enumerable.Range(0, volume.Depth).Where(z => areas[z] >= largest * MinForegroundShare);
    }
}
