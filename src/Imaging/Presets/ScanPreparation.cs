using Synomaly.Imaging.Volumes;

namespace Synomaly.Imaging.Presets;

/// <summary>
/// Prepares a scan that is to be answered (the worker's jobs, <c>synomaly detect</c>): the preset's slices, or a typed
/// rejection where there is nothing the model could honestly answer. Without it such scans end as a success with an
/// empty or meaningless report. Training and evaluation call the presets directly: they leave out blank slices and
/// report files without a usable slice in their own terms.
/// </summary>
public static class ScanPreparation
{
    /// <summary>
    /// The fewest pixels a slice may have along each side. The presets stretch every slice to the model size (128): below
    /// 16 pixels that is more than 8x of interpolation, and the map shows the filter, not anatomy (a 2x2 image came back
    /// with 3 of its 4 pixels anomalous). It is also four of the ultrasound preset's 4-pixel blocks.
    /// </summary>
    public const int MinimumSide = 16;

    /// <param name="cancellationToken">Handed to the preset, which checks it before each slice.</param>
    public static PreparedScan Prepare(IModalityPreset preset, Volume volume, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(preset);
        ArgumentNullException.ThrowIfNull(volume);
        // Judged on the slices the preset cuts, not the stored ones: a sagittal volume stored as 256x12x256 gives
        // 256x256 axial slices once reoriented. (A reoriented volume whose axial slices would be too small is refused
        // there, as UnsupportedOrientation, naming its stored plane.) Before the preset, from the dimensions and geometry
        // alone: a thin but long volume (1x4096x4096) took seconds and gigabytes to prepare before this refused it.
        var (width, height) = preset.SliceSize(volume);
        if (width < MinimumSide || height < MinimumSide)
        {
            throw new ScanRejectedException(ScanRejectionCode.ImageTooSmall,
                $"The scan's slices are {width}x{height} pixels; at least {MinimumSide}x{MinimumSide} are needed.");
        }

        var prepared = preset.Prepare(volume, cancellationToken);
        var analysed = prepared.Analysed;
        if (prepared.Slices.Count == 0)
        {
            // For CT: no slice has enough of its pixels in the organ window (an all-air or all-bone volume).
            throw new ScanRejectedException(ScanRejectionCode.NoUsableSlices, $"The {preset.Name} preset finds no slice of the scan it can prepare for the model.");
        }

        // Judged on the slices the preset cut too.
        if (!HasContrast(analysed.Voxels, analysed) && (analysed.BlueChannel is not { } blue || !HasContrast(blue, analysed)))
        {
            // Scaling makes every slice all -1, and the presets call all of it foreground (ultrasound) or none.
            throw new ScanRejectedException(ScanRejectionCode.ConstantImage, "Every slice of the scan holds one value throughout: there is no structure to judge.");
        }

        return prepared;
    }

    /// <summary>Whether any slice of <paramref name="values"/> (laid out as <paramref name="volume"/>) holds two different values.</summary>
    private static bool HasContrast(float[] values, Volume volume)
    {
        for (int z = 0; z < volume.Depth; z++)
        {
            var slice = values.AsSpan(z * volume.SliceLength, volume.SliceLength);
            float first = slice[0];
            foreach (float v in slice)
            {
                if (v != first)
                {
                    return true;
                }
            }
        }

        return false;
    }
}
