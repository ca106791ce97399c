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
    public static PreparedScan Prepare(IModalityPreset preset, Volume volume)
    {
        ArgumentNullException.ThrowIfNull(preset);
        ArgumentNullException.ThrowIfNull(volume);
        var prepared = preset.Prepare(volume);
        if (prepared.Slices.Count == 0)
        {
            // For CT: no slice has enough of its pixels in the organ window (an all-air or all-bone volume).
            throw new ScanRejectedException(ScanRejectionCode.NoUsableSlices, $"The {preset.Name} preset finds no slice of the scan it can prepare for the model.");
        }

        return prepared;
    }
}
