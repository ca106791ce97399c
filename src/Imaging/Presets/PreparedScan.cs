using Synomaly.Imaging.Resampling;
using Synomaly.Imaging.Volumes;

namespace Synomaly.Imaging.Presets;

/// <summary>
/// The model inputs a preset made from one volume, and the inverse mapping of model-size maps onto the source grid. The
/// slices are cut from <see cref="Analysed"/>: the source itself, or for the brain and CT presets the source reoriented
/// to axial slices (<see cref="AxialReorientation"/>); their <see cref="ModelSlice.SourceSlice"/> counts its slices.
/// </summary>
public sealed class PreparedScan
{
    private readonly ReorientedVolume volume;

    /// <summary>Slices cut from <paramref name="source"/> as stored.</summary>
    public PreparedScan(Volume source, string presetName, int modelSize, IReadOnlyList<ModelSlice> slices)
        : this(ReorientedVolume.AsStored(source), presetName, modelSize, slices)
    {
    }

    /// <summary>Slices cut from <paramref name="volume"/>'s reordered volume, mapped back onto its source's grid.</summary>
    public PreparedScan(ReorientedVolume volume, string presetName, int modelSize, IReadOnlyList<ModelSlice> slices)
    {
        ArgumentNullException.ThrowIfNull(volume);
        this.volume = volume;
        PresetName = presetName;
        ModelSize = modelSize;
        Slices = slices;
    }

    /// <summary>The volume as it was read: the grid results are written on.</summary>
    public Volume Source => volume.Source;

    /// <summary>The volume the slices were cut from (<see cref="Source"/> unless it was reoriented): the grid pictures and slice numbers follow.</summary>
    public Volume Analysed => volume.Volume;

    public string PresetName { get; }

    public int ModelSize { get; }

    public IReadOnlyList<ModelSlice> Slices { get; }

    /// <summary>
    /// Places one model-size map per slice (same order as <see cref="Slices"/>) back onto the source grid: see
    /// <see cref="MapToAnalysed"/>, then the reorientation undone. The result has the source's dimensions, so it lines
    /// up voxel for voxel.
    /// </summary>
    public float[] MapToSource(IReadOnlyList<float[]> modelMaps) => ToSource(MapToAnalysed(modelMaps));

    /// <summary>
    /// Places one model-size map per slice back onto <see cref="Analysed"/>'s grid: resampled with the same anti-aliased
    /// bilinear filter to the crop size, put into the crop, its slice layout undone (rows and columns un-flipped, or
    /// transposed back).
    /// Voxels of slices and regions that were not processed are 0.
    /// </summary>
    public float[] MapToAnalysed(IReadOnlyList<float[]> modelMaps)
    {
        ArgumentNullException.ThrowIfNull(modelMaps);
        if (modelMaps.Count != Slices.Count)
        {
            throw new ArgumentException($"Expected {Slices.Count} maps (one per prepared slice), got {modelMaps.Count}.", nameof(modelMaps));
        }

        var analysed = Analysed;
        var result = new float[analysed.Voxels.Length];
        for (int s = 0; s < Slices.Count; s++)
        {
            var slice = Slices[s];
            if (modelMaps[s].Length != ModelSize * ModelSize)
            {
                throw new ArgumentException($"Map {s} has {modelMaps[s].Length} values; expected {ModelSize * ModelSize}.", nameof(modelMaps));
            }

            var crop = slice.Crop;
            var resized = PilBilinear.Resize(modelMaps[s], ModelSize, ModelSize, crop.Width, crop.Height);
            int plane = slice.SourceSlice * analysed.SliceLength;
            for (int y = 0; y < crop.Height; y++)
            {
                if (!slice.Layout.Transposed)
                {
                    // A row of the slice image is a run of x in one volume row, backwards where columns are flipped: copy
                    // it whole (volumes of 10^8 voxels).
                    var layout = slice.Layout;
                    var run = result.AsSpan(plane + layout.SourceIndex(analysed, layout.FlipColumns ? crop.X + crop.Width - 1 : crop.X, crop.Y + y), crop.Width);
                    resized.AsSpan(y * crop.Width, crop.Width).CopyTo(run);
                    if (layout.FlipColumns)
                    {
                        run.Reverse();
                    }

                    continue;
                }

                for (int x = 0; x < crop.Width; x++)
                {
                    result[plane + slice.Layout.SourceIndex(analysed, crop.X + x, crop.Y + y)] = resized[(y * crop.Width) + x];
                }
            }
        }

        return result;
    }

    /// <summary>A binary mask on the source grid: model-size masks mapped back and thresholded at one half.</summary>
    public float[] MaskToSource(IReadOnlyList<bool[]> modelMasks) => ToSource(MaskToAnalysed(modelMasks));

    /// <summary>A binary mask on <see cref="Analysed"/>'s grid: model-size masks mapped back and thresholded at one half.</summary>
    public float[] MaskToAnalysed(IReadOnlyList<bool[]> modelMasks)
    {
        ArgumentNullException.ThrowIfNull(modelMasks);
        var maps = modelMasks.Select(m => m.Select(b => b ? 1f : 0f).ToArray()).ToList();
        return [.. MapToAnalysed(maps).Select(v => v >= 0.5f ? 1f : 0f)];
    }

    /// <summary>Values on <see cref="Analysed"/>'s grid put back onto the source's (the same array when nothing was reoriented).</summary>
    public float[] ToSource(float[] analysedValues)
    {
        ArgumentNullException.ThrowIfNull(analysedValues);
        return volume.IsReoriented ? volume.ToSource<float>(analysedValues) : analysedValues;
    }

    /// <summary>
    /// Slice <paramref name="z"/> of <see cref="Analysed"/> taken from <paramref name="onSourceGrid"/>, a volume on the
    /// source's grid (a region or truth mask drawn on the input), so that it lines up with the slice the preset cut.
    /// </summary>
    public float[] AnalysedSlice(Volume onSourceGrid, int z)
    {
        ArgumentNullException.ThrowIfNull(onSourceGrid);
        if (onSourceGrid.Width != Source.Width || onSourceGrid.Height != Source.Height || onSourceGrid.Depth != Source.Depth)
        {
            throw new ArgumentException(
                $"The volume is {onSourceGrid.Width}x{onSourceGrid.Height}x{onSourceGrid.Depth}; the scan is {Source.Width}x{Source.Height}x{Source.Depth}.", nameof(onSourceGrid));
        }

        return volume.Slice<float>(onSourceGrid.Voxels, z);
    }
}
