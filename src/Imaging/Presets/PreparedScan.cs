using Synomaly.Imaging.Resampling;
using Synomaly.Imaging.Volumes;

namespace Synomaly.Imaging.Presets;

/// <summary>The model inputs a preset made from one volume, and the inverse mapping of model-size maps onto the source grid.</summary>
public sealed class PreparedScan(Volume source, string presetName, int modelSize, IReadOnlyList<ModelSlice> slices)
{
    public Volume Source { get; } = source;

    public string PresetName { get; } = presetName;

    public int ModelSize { get; } = modelSize;

    public IReadOnlyList<ModelSlice> Slices { get; } = slices;

    /// <summary>
    /// Places one model-size map per slice (same order as <see cref="Slices"/>) back onto the source grid: resampled with
    /// the same anti-aliased bilinear filter to the crop size, put into the crop, its slice layout undone (rows un-flipped,
    /// or transposed back). Voxels of slices and regions that were not processed are 0. The result has the source's
    /// dimensions, so it lines up voxel for voxel.
    /// </summary>
    public float[] MapToSource(IReadOnlyList<float[]> modelMaps)
    {
        ArgumentNullException.ThrowIfNull(modelMaps);
        if (modelMaps.Count != Slices.Count)
        {
            throw new ArgumentException($"Expected {Slices.Count} maps (one per prepared slice), got {modelMaps.Count}.", nameof(modelMaps));
        }

        var result = new float[Source.Voxels.Length];
        for (int s = 0; s < Slices.Count; s++)
        {
            var slice = Slices[s];
            if (modelMaps[s].Length != ModelSize * ModelSize)
            {
                throw new ArgumentException($"Map {s} has {modelMaps[s].Length} values; expected {ModelSize * ModelSize}.", nameof(modelMaps));
            }

            var crop = slice.Crop;
            var resized = PilBilinear.Resize(modelMaps[s], ModelSize, ModelSize, crop.Width, crop.Height);
            int plane = slice.SourceSlice * Source.SliceLength;
            for (int y = 0; y < crop.Height; y++)
            {
                if (!slice.Layout.Transposed)
                {
                    // A row of the slice image is a run of x in one volume row: copy it whole (volumes of 10^8 voxels).
                    resized.AsSpan(y * crop.Width, crop.Width).CopyTo(result.AsSpan(plane + slice.Layout.SourceIndex(Source, crop.X, crop.Y + y), crop.Width));
                    continue;
                }

                for (int x = 0; x < crop.Width; x++)
                {
                    result[plane + slice.Layout.SourceIndex(Source, crop.X + x, crop.Y + y)] = resized[(y * crop.Width) + x];
                }
            }
        }

        return result;
    }

    /// <summary>A binary mask on the source grid: model-size masks mapped back and thresholded at one half.</summary>
    public float[] MaskToSource(IReadOnlyList<bool[]> modelMasks)
    {
        ArgumentNullException.ThrowIfNull(modelMasks);
        var maps = modelMasks.Select(m => m.Select(b => b ? 1f : 0f).ToArray()).ToList();
        return [.. MapToSource(maps).Select(v => v >= 0.5f ? 1f : 0f)];
    }
}
