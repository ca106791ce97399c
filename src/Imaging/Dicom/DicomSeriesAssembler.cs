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
/// <item>slices whose orientation (row and column directions) differs from the group's majority orientation are dropped
/// (tilted localizers, mirrored or transposed images);</item>
/// <item>slices are sorted by position along the slice normal, or by InstanceNumber where positions are missing;</item>
/// <item>two slices at the same position (echoes, phases, repeats) make the series inconsistent rather than guessed;</item>
/// <item>the slice step is (last position - first position) / (n - 1), the spacing its length; non-uniform gaps are noted;</item>
/// <item>without positions the step is SpacingBetweenSlices, else SliceThickness, else 1 mm, and the last two are marked
/// assumed (<see cref="VolumeProvenance.SliceSpacingAssumed"/>), as are the frames of a cine, which are time points
/// (<see cref="VolumeProvenance.FramesAreTimePoints"/>).</item>
/// </list>
/// </summary>
internal static class DicomSeriesAssembler
{
    private const double SameDirection = 0.999;

    private sealed record Slice(DecodedDicom File, int Frame, int FileIndex)
    {
        public SliceGeometry Geometry => File.Frames[Frame];

        /// <summary>This slice's pixels in one plane of its file (the grey voxels or the blue channel).</summary>
        public ReadOnlySpan<float> Plane(float[] frames) => frames.AsSpan(Frame * File.Pixels.PixelsPerFrame, File.Pixels.PixelsPerFrame);
    }

    public static Volume Assemble(IReadOnlyList<DecodedDicom> files, ScanReadLimits limits, IReadOnlyList<string> readNotes)
    {
        var notes = new List<string>(readNotes);
        var repairs = new List<string>();
        var slices = files.SelectMany((file, index) => Enumerable.Range(0, file.Pixels.Frames).Select(f => new Slice(file, f, index))).ToList();
        int localizers = slices.RemoveAll(s => s.File.IsLocalizer);
        if (localizers > 0)
        {
            repairs.Add(Invariant($"{localizers} localizer images dropped"));
        }

        if (slices.Count == 0)
        {
            throw DicomRejections.Inconsistent("only localizer images");
        }

        slices = KeepMajoritySeries(slices, repairs);
        return Build(slices, limits, notes, repairs, oneFile: false);
    }

    /// <summary>
    /// One file read on its own: its frames go through the same orientation, ordering and repeated-position rules as the
    /// slices of a series, so a multi-frame file cannot give a volume that the same frames as separate files would refuse
    /// (two echoes at one position, mixed orientations, frames stored out of order). Unlike a series member, a localizer
    /// uploaded alone is read, and the frames keep the file's direction along the normal (a mosaic or an enhanced object
    /// stored head to foot stays so).
    /// </summary>
    public static Volume AssembleFile(DecodedDicom file, ScanReadLimits limits)
    {
        var notes = new List<string>(file.Notes);
        var frames = Enumerable.Range(0, file.Pixels.Frames).Select(f => new Slice(file, f, 0)).ToList();
        return Build(frames, limits, notes, [], oneFile: true);
    }

    /// <param name="repairs">Notes on slices dropped so far, in fixed wording: they go into the notes and the report's (<see cref="VolumeProvenance.ReportNotes"/>).</param>
    private static Volume Build(List<Slice> slices, ScanReadLimits limits, List<string> notes, List<string> repairs, bool oneFile)
    {
        slices = KeepMajorityOrientation(slices, repairs);
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

        var (ordered, step, spacingZ, spacingMeasured) = Order(slices, notes, oneFile);
        var geometry = DicomAffine.Build(ordered[0].Geometry, step, spacingZ, notes);
        var head = ordered[0].File;
        // A cine has one position for all its frames: they are stacked as slices (the presets take each frame), but the
        // step between them is time, so no volume over them is measured.
        bool timePoints = oneFile && step is null && ordered.Count > 1 && head.FramesAreTimePoints;
        if (timePoints)
        {
            notes.Add("frames are time points (the Frame Increment Pointer names the frame time): the slices show one plane over time");
        }

        bool colour = ordered.TrueForAll(s => s.File.BlueChannel is not null);
        return new Volume(Voxels(ordered, first.PixelsPerFrame, file => file.Voxels), first.Columns, first.Rows, ordered.Count, geometry, head.Modality, new VolumeProvenance
        {
            Format = ScanFormat.Dicom,
            TransferSyntaxUid = head.Syntax.Uid,
            PhotometricInterpretation = first.Photometric,
            BitsStored = first.BitsStored,
            SpacingAssumed = ordered.Exists(s => s.Geometry.SpacingAssumed),
            SliceSpacingAssumed = timePoints || !spacingMeasured,
            FramesAreTimePoints = timePoints,
            Notes = [.. notes.Concat(repairs).Concat(ordered.SelectMany(s => s.File.Notes)).Distinct()],
            ReportNotes = repairs,
        })
        {
            BlueChannel = colour ? Voxels(ordered, first.PixelsPerFrame, file => file.BlueChannel!) : null,
        };
    }

    /// <summary>
    /// The slices' pixels of one plane (the grey voxels or the blue channel) in order; all frames of one file in their
    /// stored order reuse its buffer instead of a copy.
    /// </summary>
    private static float[] Voxels(List<Slice> ordered, int pixelsPerFrame, Func<DecodedDicom, float[]> plane)
    {
        var head = ordered[0].File;
        if (ordered.Count == head.Pixels.Frames && ordered.Select((s, z) => s.File == head && s.Frame == z).All(same => same))
        {
            return plane(head);
        }

        var voxels = new float[(long)pixelsPerFrame * ordered.Count];
        for (int z = 0; z < ordered.Count; z++)
        {
            ordered[z].Plane(plane(ordered[z].File)).CopyTo(voxels.AsSpan(z * pixelsPerFrame, pixelsPerFrame));
        }

        return voxels;
    }

    private static List<Slice> KeepMajoritySeries(List<Slice> slices, List<string> repairs)
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

            repairs.Add(Invariant($"mixed upload: kept the majority series of {groups[0].Count()} slices, dropped {slices.Count - groups[0].Count()} slices of {groups.Count - 1} other series or sizes"));
        }

        return [.. groups[0]];
    }

    private static List<Slice> KeepMajorityOrientation(List<Slice> slices, List<string> repairs)
    {
        if (slices.Any(s => s.Geometry.Normal is null))
        {
            return slices;
        }

        // Cluster by orientation; the biggest cluster is the series, the rest are localizers or scouts. The row and column
        // directions are compared themselves, not only the plane: a mirrored (-1,0,0,0,1,0) or transposed (0,1,0,1,0,0)
        // slice lies in the same plane, but its pixels would land flipped or turned among the others.
        var clusters = new List<List<Slice>>();
        foreach (var slice in slices)
        {
            var cluster = clusters.FirstOrDefault(c => SameOrientation(c[0].Geometry.Orientation!, slice.Geometry.Orientation!));
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

            repairs.Add(Invariant($"{slices.Count - ranked[0].Count} slices with an orientation other than the series' dropped (localizers)"));
        }

        return ranked[0];
    }

    private static bool SameOrientation(double[] a, double[] b) =>
        Vector3.Dot(a.AsSpan(0, 3), b.AsSpan(0, 3)) >= SameDirection && Vector3.Dot(a.AsSpan(3, 3), b.AsSpan(3, 3)) >= SameDirection;

    /// <param name="oneFile">The frames of one file: without positions they keep the file's order (all share one
    /// InstanceNumber), and with positions they keep the file's direction along the normal.</param>
    /// <returns>The slices in order, the step between them where positions give one, its length, and whether that
    /// length is measured: from positions or SpacingBetweenSlices (or a lone slice's thickness), not SliceThickness
    /// standing in for the distance between slices or the 1 mm default.</returns>
    private static (List<Slice> Ordered, double[]? Step, double SpacingZ, bool SpacingMeasured) Order(List<Slice> slices, List<string> notes, bool oneFile)
    {
        var firstGeometry = slices[0].Geometry;
        double fallbackSpacing = firstGeometry.SpacingBetweenSlices is > 0 ? firstGeometry.SpacingBetweenSlices.Value : firstGeometry.Thickness is > 0 ? firstGeometry.Thickness.Value : 1;
        bool fallbackMeasured = firstGeometry.SpacingBetweenSlices is > 0;
        if (slices.Count == 1)
        {
            return (slices, null, fallbackSpacing, fallbackMeasured || firstGeometry.Thickness is > 0);
        }

        if (slices.Any(s => s.Geometry.Position is null || s.Geometry.Normal is null))
        {
            if (oneFile)
            {
                // A classic multi-frame object (a cine) has one position for the whole file: its frames stay as stored.
                return (slices, null, fallbackSpacing, fallbackMeasured);
            }

            notes.Add("slice positions missing: sorted by InstanceNumber");
            var byNumber = slices.OrderBy(s => s.File.InstanceNumber ?? int.MaxValue).ThenBy(s => s.FileIndex).ThenBy(s => s.Frame).ToList();
            return (byNumber, null, fallbackSpacing, fallbackMeasured);
        }

        var normal = firstGeometry.Normal!;
        double Along(Slice s) => Vector3.Dot(s.Geometry.Position!, normal);
        double direction = oneFile && Along(slices[^1]) < Along(slices[0]) ? -1 : 1;
        var ordered = slices.OrderBy(s => direction * Along(s)).ThenBy(s => s.File.InstanceNumber ?? 0).ThenBy(s => s.FileIndex).ThenBy(s => s.Frame).ToList();
        var gaps = new double[ordered.Count - 1];
        for (int i = 1; i < ordered.Count; i++)
        {
            gaps[i - 1] = direction * (Along(ordered[i]) - Along(ordered[i - 1]));
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
        return (ordered, step, Vector3.Length(step), true);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
