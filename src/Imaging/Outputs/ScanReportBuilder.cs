using System.Text.Json;
using Synomaly.Contracts;
using Synomaly.Imaging.Volumes;

namespace Synomaly.Imaging.Outputs;

/// <summary>Computes a <see cref="ScanReport"/> from the source-grid map and mask, and writes it as JSON.</summary>
public static class ScanReportBuilder
{
    /// <param name="source">The decoded scan (its grid and spacing).</param>
    /// <param name="map">The anomaly map on the source grid.</param>
    /// <param name="mask">The binary mask on the source grid (non-zero = anomalous).</param>
    /// <param name="sliceScores">Score per analysed slice, keyed by source slice index (slices not analysed are left out).</param>
    /// <param name="singleThresholdSlices">
    /// Source slices where the profile's normative threshold did not apply (the slice did not match its template) and the
    /// single θ was used; the report says which.
    /// </param>
    public static ScanReport Build(Volume source, ReadOnlySpan<float> map, ReadOnlySpan<float> mask, IReadOnlyDictionary<int, double> sliceScores,
        ReportModel model, string preset, string? scanId = null, IReadOnlyDictionary<string, double>? timingsMs = null, IReadOnlyCollection<int>? singleThresholdSlices = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(sliceScores);
        if (map.Length != source.Voxels.Length || mask.Length != source.Voxels.Length)
        {
            throw new ArgumentException("Map and mask must be on the source grid.");
        }

        var geometry = source.Geometry;
        int sliceLength = source.SliceLength;
        var slices = new List<SliceFinding>();
        long total = 0;
        foreach (var (index, score) in sliceScores.OrderBy(p => p.Key))
        {
            if (index < 0 || index >= source.Depth)
            {
                throw new ArgumentOutOfRangeException(nameof(sliceScores), index, "Slice index outside the source volume.");
            }

            long count = 0;
            float max = 0;
            for (int i = index * sliceLength; i < (index + 1) * sliceLength; i++)
            {
                count += mask[i] != 0 ? 1 : 0;
                max = Math.Max(max, map[i]);
            }

            total += count;
            slices.Add(new SliceFinding(index, score, max, count, count * geometry.PixelAreaMm2, singleThresholdSlices?.Contains(index) == true));
        }

        bool plainImage = source.Provenance.Format is ScanFormat.Png or ScanFormat.Jpeg;
        bool spacingKnown = !plainImage && !source.Provenance.SpacingAssumed;
        // The reader's repairs in its fixed wording (no text from the file): a result must not hide that its input was mended.
        var notes = new List<string>(source.Provenance.ReportNotes);
        if (plainImage)
        {
            notes.Add("Plain image: pixel size unknown, 1 mm assumed for areas and volumes.");
        }
        else if (!spacingKnown)
        {
            notes.Add("The file gives no usable pixel spacing: 1 mm assumed for areas and volumes.");
        }

        // spacingKnown speaks for the pixel spacing, so areas; a volume also needs the step between slices.
        if (source.Provenance.FramesAreTimePoints)
        {
            notes.Add("The slices are time frames of one plane (a cine), not slices along an axis: the volume in mL adds up the same anatomy at several times and is not a measured volume.");
        }
        else if (source.Provenance.SliceSpacingAssumed && spacingKnown)
        {
            notes.Add("The file does not measure the step between slices (no slice positions, no spacing between slices): the depth per slice behind the volume in mL (the slice thickness, or 1 mm) is assumed, so the volume is not measured.");
        }

        if (singleThresholdSlices is { Count: > 0 })
        {
            notes.Add($"Normative threshold not applied to slice(s) {string.Join(", ", singleThresholdSlices.Order())}: they do not line up with the healthy "
                + "template its per-pixel factors were measured on (the head sits elsewhere or at another size: another field of view, crop or slice level), so the single threshold θ was used there.");
        }

        return new ScanReport
        {
            ScanId = scanId,
            Format = source.Provenance.Format,
            Modality = source.Modality,
            Preset = preset,
            Model = model,
            Grid = new ReportGrid(source.Width, source.Height, source.Depth, geometry.SpacingX, geometry.SpacingY, geometry.SpacingZ),
            Slices = slices,
            ImageScore = slices.Count == 0 ? 0 : slices.Max(s => s.Score),
            AnomalousVoxels = total,
            AnomalousAreaMm2 = total * geometry.PixelAreaMm2,
            AnomalousVolumeMl = total * geometry.VoxelVolumeMm3 / 1000.0,
            SpacingKnown = spacingKnown,
            TimingsMs = timingsMs ?? new Dictionary<string, double>(),
            Notes = notes,
        };
    }

    public static byte[] ToJson(ScanReport report) => JsonSerializer.SerializeToUtf8Bytes(report, ImagingJsonContext.Default.ScanReport);

    public static ScanReport FromJson(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize(json, ImagingJsonContext.Default.ScanReport) ?? throw new JsonException("The report JSON is null.");
}
