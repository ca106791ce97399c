using System.Globalization;
using Synomaly.Contracts;
using Synomaly.Imaging.Volumes;

namespace Synomaly.Imaging.Dicom;

/// <summary>
/// Assembles decoded files (their frames) into one volume:
/// <list type="number">
/// <item>localizers (ImageType LOCALIZER) are dropped;</item>
/// <item>slices are grouped by series UID and image size, and the strictly largest group is kept (a tie is
/// <see cref="ScanRejectionCode.InconsistentSeries"/>): a mixed upload yields its majority series, with a note;</item>
/// <item>slices whose orientation differs from the group's majority orientation are dropped (tilted localizers);</item>
/// <item>slices are sorted by position along the slice normal, or by InstanceNumber where positions are missing;</item>
/// <item>two slices at the same position (echoes, phases, repeats) make the series inconsistent rather than guessed;</item>
/// <item>the slice step is (last position - first position) / (n - 1), the spacing its length; non-uniform gaps are noted.</item>
/// </list>
/// </summary>
internal static class DicomSeriesAssembler
{
    private const double SameDirection = 0.999;

    private sealed record Slice(DecodedDicom File, int Frame, int FileIndex)
    {
        public SliceGeometry Geometry => File.Frames[Frame];

        public ReadOnlySpan<float> Pixels => File.Voxels.AsSpan(Frame * File.Pixels.PixelsPerFrame, File.Pixels.PixelsPerFrame);
    }

    public static Volume Assemble(IReadOnlyList<DecodedDicom> files, ScanReadLimits limits, IReadOnlyList<string> readNotes)
    {
        var notes = new List<string>(readNotes);
        var slices = files.SelectMany((file, index) => Enumerable.Range(0, file.Pixels.Frames).Select(f => new Slice(file, f, index))).ToList();
        int localizers = slices.RemoveAll(s => s.File.IsLocalizer);
        if (localizers > 0)
        {
            notes.Add(Invariant($"{localizers} localizer images dropped"));
        }

        if (slices.Count == 0)
        {
            throw DicomRejections.Inconsistent("only localizer images");
        }

        slices = KeepMajoritySeries(slices, notes);
        slices = KeepMajorityOrientation(slices, notes);
        if (slices.Count > limits.MaxSlices)
        {
            throw DicomRejections.Limit(Invariant($"{slices.Count} slices exceed the limit of {limits.MaxSlices}"));
        }

        var first = slices[0].File.Pixels;
        long voxelCount = (long)first.PixelsPerFrame * slices.Count;
        if (voxelCount > limits.MaxVoxels || voxelCount > Array.MaxLength)
        {
            throw DicomRejections.Limit(Invariant($"{voxelCount} voxels exceed the limit of {limits.MaxVoxels}"));
        }

        var (ordered, step, spacingZ) = Order(slices, notes);
        var voxels = new float[voxelCount];
        for (int z = 0; z < ordered.Count; z++)
        {
            ordered[z].Pixels.CopyTo(voxels.AsSpan(z * first.PixelsPerFrame, first.PixelsPerFrame));
        }

        var geometry = DicomAffine.Build(ordered[0].Geometry, step, spacingZ, notes);
        var head = ordered[0].File;
        return new Volume(voxels, first.Columns, first.Rows, ordered.Count, geometry, head.Modality, new VolumeProvenance
        {
            Format = ScanFormat.Dicom,
            TransferSyntaxUid = head.Syntax.Uid,
            PhotometricInterpretation = first.Photometric,
            BitsStored = first.BitsStored,
            Notes = [.. notes.Concat(ordered.SelectMany(s => s.File.Notes)).Distinct()],
        });
    }

    private static List<Slice> KeepMajoritySeries(List<Slice> slices, List<string> notes)
    {
        var groups = slices
            .GroupBy(s => (s.File.SeriesInstanceUid ?? "", s.File.Pixels.Rows, s.File.Pixels.Columns))
            .OrderByDescending(g => g.Count())
            .ToList();
        if (groups.Count > 1)
        {
            if (groups[0].Count() == groups[1].Count())
            {
                throw DicomRejections.Inconsistent(Invariant($"{groups.Count} series or image sizes of which none is a majority ({groups[0].Count()} slices each)"));
            }

            notes.Add(Invariant($"mixed upload: kept the majority series of {groups[0].Count()} slices, dropped {slices.Count - groups[0].Count()} slices of {groups.Count - 1} other series or sizes"));
        }

        return [.. groups[0]];
    }

    private static List<Slice> KeepMajorityOrientation(List<Slice> slices, List<string> notes)
    {
        if (slices.Any(s => s.Geometry.Normal is null))
        {
            return slices;
        }

        // Cluster by normal direction; the biggest cluster is the series, the rest are localizers or scouts.
        var clusters = new List<List<Slice>>();
        foreach (var slice in slices)
        {
            var normal = slice.Geometry.Normal!;
            var cluster = clusters.FirstOrDefault(c => Math.Abs(Vector3.Dot(c[0].Geometry.Normal!, normal)) >= SameDirection);
            if (cluster is null)
            {
                clusters.Add([slice]);
            }
            else
            {
                cluster.Add(slice);
            }
        }

        var ranked = clusters.OrderByDescending(c => c.Count).ToList();
        if (ranked.Count > 1)
        {
            if (ranked[0].Count == ranked[1].Count)
            {
                throw DicomRejections.Inconsistent("slices in several orientations with none a majority");
            }

            notes.Add(Invariant($"{slices.Count - ranked[0].Count} slices with an orientation other than the series' dropped (localizers)"));
        }

        return ranked[0];
    }

    private static (List<Slice> Ordered, double[]? Step, double SpacingZ) Order(List<Slice> slices, List<string> notes)
    {
        var firstGeometry = slices[0].Geometry;
        double fallbackSpacing = firstGeometry.SpacingBetweenSlices is > 0 ? firstGeometry.SpacingBetweenSlices.Value : firstGeometry.Thickness is > 0 ? firstGeometry.Thickness.Value : 1;
        if (slices.Count == 1)
        {
            return (slices, null, fallbackSpacing);
        }

        if (slices.Any(s => s.Geometry.Position is null || s.Geometry.Normal is null))
        {
            notes.Add("slice positions missing: sorted by InstanceNumber");
            var byNumber = slices.OrderBy(s => s.File.InstanceNumber ?? int.MaxValue).ThenBy(s => s.FileIndex).ThenBy(s => s.Frame).ToList();
            return (byNumber, null, fallbackSpacing);
        }

        var normal = firstGeometry.Normal!;
        var ordered = slices.OrderBy(s => Vector3.Dot(s.Geometry.Position!, normal)).ThenBy(s => s.File.InstanceNumber ?? 0).ToList();
        var gaps = new double[ordered.Count - 1];
        for (int i = 1; i < ordered.Count; i++)
        {
            gaps[i - 1] = Vector3.Dot(ordered[i].Geometry.Position!, normal) - Vector3.Dot(ordered[i - 1].Geometry.Position!, normal);
        }

        int duplicates = gaps.Count(g => g < 1e-3);
        if (duplicates > 0)
        {
            throw DicomRejections.Inconsistent(Invariant($"{duplicates + 1} slices share a position (several echoes, phases or acquisitions in one series)"));
        }

        var sorted = gaps.Order().ToArray();
        double median = sorted[sorted.Length / 2];
        if (sorted[^1] - sorted[0] > (0.1 * median) + 0.01)
        {
            notes.Add(Invariant($"non-uniform slice spacing ({sorted[0]:0.###} to {sorted[^1]:0.###} mm); the mean step is used"));
        }

        var firstPosition = ordered[0].Geometry.Position!;
        var lastPosition = ordered[^1].Geometry.Position!;
        double[] step = [.. Enumerable.Range(0, 3).Select(a => (lastPosition[a] - firstPosition[a]) / (ordered.Count - 1))];
        return (ordered, step, Vector3.Length(step));
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
