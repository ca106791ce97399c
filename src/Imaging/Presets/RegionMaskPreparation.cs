using Synomaly.Imaging.Resampling;
using Synomaly.Imaging.Volumes;

namespace Synomaly.Imaging.Presets;

/// <summary>
/// A region mask (ALGORITHM.md 2.5, the reference's LiTS liver masks) brought onto the model grid of one prepared slice, as
/// the reference's dataset transform treats masks (6.10): any non-zero voxel is inside; the slice is laid out, cropped and
/// resampled with Pillow's bilinear exactly as its image was, then min-max scaled to [−1, 1]. Only pixels whose whole
/// resampling footprint lies outside the region end up exactly −1, the one value that forbids anomalies.
/// </summary>
public static class RegionMaskPreparation
{
    /// <summary>
    /// The mask of <paramref name="slice"/> (one of <paramref name="prepared"/>'s) at the model size, row-major. A mask
    /// without variation on that slice (all inside or all outside) forbids nothing: the reference's rescale divides by
    /// zero there and gives NaN, which never equals −1.
    /// </summary>
    public static float[] Prepare(PreparedScan prepared, ModelSlice slice, Volume mask)
    {
        ArgumentNullException.ThrowIfNull(prepared);
        ArgumentNullException.ThrowIfNull(slice);
        ArgumentNullException.ThrowIfNull(mask);
        var source = prepared.Source;
        if (mask.Width != source.Width || mask.Height != source.Height || mask.Depth != source.Depth)
        {
            throw new ArgumentException(
                $"The region mask is {mask.Width}x{mask.Height}x{mask.Depth}; its image is {source.Width}x{source.Height}x{source.Depth}.", nameof(mask));
        }

        // The slice's own cut of the mask: the preset may have cut the image from a reoriented copy (AxialReorientation).
        var analysed = prepared.Analysed;
        var stored = prepared.AnalysedSlice(mask, slice.SourceSlice);
        var inside = slice.Layout.Arrange<float>(stored, analysed.Width, analysed.Height).Select(v => v != 0 ? 1f : 0f).ToArray();
        int width = slice.Layout.Width(analysed);
        var crop = slice.Crop;
        var cropped = crop == PixelRect.Full(width, inside.Length / width) ? inside : SliceExtraction.Crop(inside, width, crop);
        var resized = PilBilinear.Resize(cropped, crop.Width, crop.Height, prepared.ModelSize, prepared.ModelSize);
        float low = resized.Min(), high = resized.Max();
        for (int i = 0; i < resized.Length; i++)
        {
            resized[i] = high > low ? (2 * (resized[i] - low) / (high - low)) - 1 : 1f;
        }

        return resized;
    }
}
