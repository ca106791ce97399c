using Synomaly.Contracts;
using Synomaly.Imaging.Resampling;
using Synomaly.Imaging.Volumes;

namespace Synomaly.Imaging.Presets;

/// <summary>The steps every preset shares: display orientation, crop, resampling to the model size, scaling.</summary>
public static class SliceExtraction
{
    /// <summary>
    /// Whether rows must be reversed so that anterior is at the top, as in the training images: true when moving down the
    /// rows moves anterior in world space (RAS+ y grows), which is how NIfTI volumes are usually stored. Plain images
    /// (PNG, JPEG) are shown as stored.
    /// </summary>
    public static bool FlipRowsForDisplay(Volume volume)
    {
        if (IsPlainImage(volume))
        {
            return false;
        }

        var m = volume.Geometry.Affine;
        double rowX = Math.Abs(m[1]), rowY = m[5], rowZ = Math.Abs(m[9]);
        return rowY > 0 && rowY >= rowX && rowY >= rowZ;
    }

    /// <summary>
    /// Whether columns must be reversed so that the patient's right is on the image's right, as in the training images
    /// (IXI in MNI space, stored RAS+ and cut as <c>flipud(data[:, :, z].T)</c>: columns run along +x): true when moving
    /// along the columns moves to the patient's left (RAS+ x falls), as in DICOM (LPS: columns run to the patient's left,
    /// also where a file states no orientation and DICOM's default is assumed) and LAS NIfTI. Without it the same head
    /// reached the model mirrored by format, and the per-pixel normative factors were applied mirrored. Plain images
    /// (PNG, JPEG) are used as stored.
    /// </summary>
    public static bool FlipColumnsForDisplay(Volume volume)
    {
        if (IsPlainImage(volume))
        {
            return false;
        }

        var m = volume.Geometry.Affine;
        double columnX = -m[0], columnY = Math.Abs(m[4]), columnZ = Math.Abs(m[8]);
        return columnX > 0 && columnX >= columnY && columnX >= columnZ;
    }

    /// <summary>Whether the volume is a plain picture (PNG, JPEG): one slice with no patient geometry.</summary>
    public static bool IsPlainImage(Volume volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        return volume.Provenance.Format is ScanFormat.Png or ScanFormat.Jpeg;
    }

    /// <summary>
    /// A row-major image with its rows in reverse order: what the display layout (<see cref="SliceLayout"/>) does to a
    /// slice, for anything that must stay aligned with it (a lesion mask drawn on the stored slice).
    /// </summary>
    public static T[] FlipRows<T>(ReadOnlySpan<T> pixels, int width, int height)
    {
        var result = new T[pixels.Length];
        for (int y = 0; y < height; y++)
        {
            pixels.Slice((height - 1 - y) * width, width).CopyTo(result.AsSpan(y * width, width));
        }

        return result;
    }

    public static float[] Crop(float[] pixels, int width, PixelRect rect)
    {
        var result = new float[rect.Width * rect.Height];
        for (int y = 0; y < rect.Height; y++)
        {
            pixels.AsSpan(((rect.Y + y) * width) + rect.X, rect.Width).CopyTo(result.AsSpan(y * rect.Width, rect.Width));
        }

        return result;
    }

    /// <summary>Crop, resample with Pillow's bilinear to size x size, scale to [-1, 1].</summary>
    public static float[] ToModelInput(float[] displayPixels, int width, PixelRect crop, int size, IntensityScaling scaling)
    {
        var cropped = crop == PixelRect.Full(width, displayPixels.Length / width) ? displayPixels : Crop(displayPixels, width, crop);
        var resized = PilBilinear.Resize(cropped, crop.Width, crop.Height, size, size);
        scaling.Apply(resized);
        return resized;
    }
}
