namespace Synomaly.Imaging.Dicom;

/// <summary>
/// Where one frame sits in patient space (DICOM LPS millimetres), as far as the header says: position of the first
/// pixel, row and column direction cosines, pixel spacing (x between columns, y between rows; 1 mm where the header
/// gives none, <paramref name="SpacingAssumed"/>) and slice thickness.
/// </summary>
internal sealed record SliceGeometry(
    double[]? Position, double[]? Orientation, double SpacingX, double SpacingY, double? Thickness, double? SpacingBetweenSlices, bool SpacingAssumed = false)
{
    /// <summary>Unit normal of the slice plane (row cosine x column cosine), or null without an orientation.</summary>
    public double[]? Normal => Orientation is { } o ? Vector3.Normalize(Vector3.Cross(o.AsSpan(0, 3), o.AsSpan(3, 3))) : null;

    /// <summary>Reads the geometry of every frame: enhanced functional groups first, then the classic image plane module.</summary>
    public static SliceGeometry[] ReadFrames(DicomDataset ds, int frames, ICollection<string> notes)
    {
        var shared = ds.FirstItem(DicomTag.SharedFunctionalGroupsSequence);
        var perFrame = ds.Items(DicomTag.PerFrameFunctionalGroupsSequence);
        var result = new SliceGeometry[frames];
        bool spacingMissing = false;
        for (int f = 0; f < frames; f++)
        {
            var own = f < perFrame.Count ? perFrame[f] : null;
            var position = Find(own, shared, DicomTag.PlanePositionSequence, DicomTag.ImagePositionPatient) ?? (f == 0 || frames == 1 ? ds.GetDecimals(DicomTag.ImagePositionPatient) : null);
            var orientation = Find(own, shared, DicomTag.PlaneOrientationSequence, DicomTag.ImageOrientationPatient) ?? ds.GetDecimals(DicomTag.ImageOrientationPatient);
            var measures = own?.FirstItem(DicomTag.PixelMeasuresSequence) ?? shared?.FirstItem(DicomTag.PixelMeasuresSequence);
            var spacing = measures?.GetDecimals(DicomTag.PixelSpacing) ?? ds.GetDecimals(DicomTag.PixelSpacing)
                ?? ds.GetDecimals(DicomTag.ImagerPixelSpacing) ?? UltrasoundRegionSpacing(ds);
            bool assumed = false;
            if (spacing is not [> 0, > 0, ..])
            {
                spacingMissing = assumed = true;
                spacing = [1, 1];
            }

            result[f] = new SliceGeometry(
                position is { Length: >= 3 } ? position[..3] : null,
                ValidOrientation(orientation),
                spacing[1],
                spacing[0],
                measures?.GetDecimal(DicomTag.SliceThickness) ?? ds.GetDecimal(DicomTag.SliceThickness),
                measures?.GetDecimal(DicomTag.SpacingBetweenSlices) ?? ds.GetDecimal(DicomTag.SpacingBetweenSlices),
                assumed);
        }

        if (spacingMissing)
        {
            notes.Add("no pixel spacing; 1 mm assumed");
        }

        return result;
    }

    /// <summary>
    /// Ultrasound calibration: the first region of SequenceOfUltrasoundRegions whose physical units are centimetres in
    /// both directions (code 3), as [row spacing, column spacing] in mm like PixelSpacing.
    /// </summary>
    private static double[]? UltrasoundRegionSpacing(DicomDataset ds)
    {
        foreach (var region in ds.Items(DicomTag.SequenceOfUltrasoundRegions))
        {
            if (region.GetUInt16(DicomTag.PhysicalUnitsXDirection) == 3 && region.GetUInt16(DicomTag.PhysicalUnitsYDirection) == 3
                && region.GetFloat64(DicomTag.PhysicalDeltaX) is double dx and > 0 && region.GetFloat64(DicomTag.PhysicalDeltaY) is double dy and > 0)
            {
                return [dy * 10, dx * 10];
            }
        }

        return null;
    }

    private static double[]? Find(DicomDataset? own, DicomDataset? shared, DicomTag sequence, DicomTag tag) =>
        own?.FirstItem(sequence)?.GetDecimals(tag) ?? shared?.FirstItem(sequence)?.GetDecimals(tag);

    /// <summary>Six finite values with two non-degenerate direction vectors, renormalised; otherwise none.</summary>
    private static double[]? ValidOrientation(double[]? o)
    {
        if (o is not { Length: >= 6 })
        {
            return null;
        }

        var row = Vector3.Normalize(o.AsSpan(0, 3));
        var column = Vector3.Normalize(o.AsSpan(3, 3));
        return row is null || column is null || Vector3.Normalize(Vector3.Cross(row, column)) is null ? null : [.. row, .. column];
    }
}

/// <summary>The few 3-vector operations the geometry needs, on plain arrays.</summary>
internal static class Vector3
{
    public static double[] Cross(ReadOnlySpan<double> a, ReadOnlySpan<double> b) =>
        [(a[1] * b[2]) - (a[2] * b[1]), (a[2] * b[0]) - (a[0] * b[2]), (a[0] * b[1]) - (a[1] * b[0])];

    public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b) => (a[0] * b[0]) + (a[1] * b[1]) + (a[2] * b[2]);

    public static double Length(ReadOnlySpan<double> a) => Math.Sqrt(Dot(a, a));

    /// <summary>The unit vector, or null for a zero or non-finite vector.</summary>
    public static double[]? Normalize(ReadOnlySpan<double> a)
    {
        double length = Length(a);
        return length > 1e-6 && double.IsFinite(length) ? [a[0] / length, a[1] / length, a[2] / length] : null;
    }
}
