using Synomaly.Imaging.Nifti;
using Synomaly.Imaging.Volumes;

namespace Synomaly.Imaging.Outputs;

/// <summary>
/// Writes per-voxel results for a scan as gzip NIfTI in the scan's own geometry (the source NIfTI header's fields, or an
/// sform/qform from the DICOM or image affine), so they overlay the input voxel for voxel in any viewer.
/// </summary>
public static class ResultVolumes
{
    /// <summary>The continuous anomaly map (float32), source grid.</summary>
    public static void WriteAnomalyMap(Stream output, Volume source, ReadOnlySpan<float> map) =>
        Write(output, source, map, NiftiDataType.Float32, "Synomaly anomaly map");

    /// <summary>The binary anomaly mask (uint8, 0 or 1), source grid.</summary>
    public static void WriteMask(Stream output, Volume source, ReadOnlySpan<float> mask) =>
        Write(output, source, mask, NiftiDataType.UInt8, "Synomaly anomaly mask");

    /// <summary>The healthy counterfactual (float32, in the source's intensity unit where the caller mapped it back).</summary>
    public static void WriteCounterfactual(Stream output, Volume source, ReadOnlySpan<float> counterfactual) =>
        Write(output, source, counterfactual, NiftiDataType.Float32, "Synomaly counterfactual");

    private static void Write(Stream output, Volume source, ReadOnlySpan<float> voxels, NiftiDataType type, string description)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (voxels.Length != source.Voxels.Length)
        {
            throw new ArgumentException($"The result has {voxels.Length} voxels; the source grid has {source.Voxels.Length}.", nameof(voxels));
        }

        NiftiWriter.Write(output, voxels, source.Width, source.Height, source.Depth, NiftiGeometry.ForVolume(source), type, gzip: true, description);
    }
}
