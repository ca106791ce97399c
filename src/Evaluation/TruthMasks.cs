using Synomaly.Imaging.Presets;

namespace Synomaly.Evaluation;

/// <summary>
/// A ground-truth mask on the model grid of one prepared slice. The mask is stored as its image's slice is (rows are the
/// volume's y), so it goes through what the preset did to the image: laid out in the slice's layout (display rows
/// flipped, or the reference's transpose), cropped to the slice's crop (an ultrasound frame's imaged area), then
/// resampled as the reference resamples masks (<see cref="MaskResampling"/>).
/// </summary>
public static class TruthMasks
{
    public static bool[] OnModelGrid(ModelSlice slice, ReadOnlySpan<bool> stored, int width, int height, int modelSize)
    {
        ArgumentNullException.ThrowIfNull(slice);
        var laidOut = slice.Layout.Arrange(stored, width, height);
        int laidWidth = slice.Layout.Transposed ? height : width, laidHeight = slice.Layout.Transposed ? width : height;
        var crop = slice.Crop;
        var cropped = crop == PixelRect.Full(laidWidth, laidHeight) ? laidOut : Crop(laidOut, laidWidth, crop);
        return MaskResampling.Resize(cropped, crop.Width, crop.Height, modelSize, modelSize);
    }

    private static bool[] Crop(bool[] mask, int width, PixelRect rect)
    {
        var result = new bool[rect.Width * rect.Height];
        for (int y = 0; y < rect.Height; y++)
        {
            mask.AsSpan(((rect.Y + y) * width) + rect.X, rect.Width).CopyTo(result.AsSpan(y * rect.Width, rect.Width));
        }

        return result;
    }
}
