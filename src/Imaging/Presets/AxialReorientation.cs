using System.Globalization;
using Synomaly.Imaging.Volumes;

namespace Synomaly.Imaging.Presets;

/// <summary>
/// Brings a volume stored in another plane to axial slices before the brain MRI and CT presets cut it along array axis 2:
/// their models know axial slices only (the reference cut axis 2 of axially stored BraTS and LiTS volumes, ALGORITHM.md
/// 4.2 and 4.3; the IXI training slices are axial), while a sagittal 3-D T1 converted by dcm2niix, or a sagittal or
/// coronal DICOM series (stacked along its slice normal), puts another axis there. The array axis whose direction (its
/// affine column) points most superior becomes axis 2; of the other two, the one that points most to the patient's side
/// becomes axis 0 (the columns of the display layout, the rows of nibabel's array) and the last, front to back, axis 1.
/// That holds for axial volumes too: one whose axis 0 runs front to back and axis 1 left-right would reach the model
/// transposed (the head on its side), so its two in-plane axes are swapped. Only axes are permuted: no voxel is resampled
/// or changed, and the affine moves with them, so the display layout's flips (anterior up, the patient's right on the
/// right, as the IXI training slices show the head) work from it as for any volume. A volume whose axes already run
/// left-right, front to back and inferior-superior is kept exactly as stored (axially stored input gives the same slices
/// as ever), and so are plain images, which have no geometry. Permuting cannot straighten an oblique grid: one more than
/// <see cref="ObliqueNoteDegrees"/> off is analysed as the permutation leaves it, with a report note saying so.
/// </summary>
public static class AxialReorientation
{
    /// <summary>
    /// The longest axial pixel allowed, as a multiple of its width. The presets stretch each slice to the model size
    /// whatever its pixel shape (the reference squashes its crops too), so a reoriented slice must not be much coarser
    /// one way than the other: a 3-D acquisition, even reconstructed to 0.45-0.5 mm pixels on 1-1.2 mm partitions (up to
    /// about 2.7), passes; a stack of 2-D sagittal or coronal slices, 3.5-6 mm apart on pixels of 1 mm or less, would give
    /// axial slices smeared along one side and is refused.
    /// </summary>
    public const double MaxPixelAspect = 3;

    /// <summary>
    /// How many degrees closer to a direction another axis must point before it is taken over the one preferred (stored
    /// axis 2 for superior, the lower-numbered axis for left-right). An oblique acquisition near 45 degrees has two axes
    /// about as superior, and which was taken followed rounding in the header (float32 sforms, DICOM's decimal
    /// cosines), so two exports of one scan could be cut in different planes; within this margin the stored order wins.
    /// </summary>
    public const double ChoiceToleranceDegrees = 1;

    /// <summary>
    /// Beyond this many degrees between an analysed axis and the anatomical direction it stands for, the report notes an
    /// oblique acquisition. Axes are only permuted, never resampled, so a tilted or turned grid stays so; the training
    /// slices are registered to MNI space (no tilt), and routine oblique axials (along the AC-PC line, 10-20 degrees)
    /// are left without a note.
    /// </summary>
    public const double ObliqueNoteDegrees = 30;

    /// <summary>The report note of an axial volume whose in-plane axes were swapped (its slices and their numbers are the stored ones).</summary>
    private const string SwappedInPlaneNote =
        "Stored in axial slices with rows and columns swapped (the first array axis runs front to back): the two in-plane axes were exchanged without resampling "
        + "so that the model saw the slices laid out as it was trained on (left-right across, front to back down); slice numbers are the input's, and the NIfTI results lie on the input's own grid.";

    /// <summary>
    /// <paramref name="volume"/> with axis 0 running left-right, axis 1 front to back and axis 2 inferior-superior: the
    /// volume itself when it is stored so and not oblique (or is a plain image), else a copy (reordered where axes move)
    /// whose report notes say what was done or how oblique it is. A volume in another plane whose axial slices would be
    /// under <see cref="ScanPreparation.MinimumSide"/> pixels a side, or would have pixels longer than
    /// <see cref="MaxPixelAspect"/> times their width, is <see cref="ScanRejectionCode.UnsupportedOrientation"/>.
    /// </summary>
    /// <param name="cancellationToken">
    /// Checked before each slice of the copy: reordering a 512x512x1000 volume takes seconds, which a shutdown deadline or
    /// Ctrl-C must not wait for.
    /// </param>
    public static ReorientedVolume Of(Volume volume, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(volume);
        if (SliceExtraction.IsPlainImage(volume))
        {
            return ReorientedVolume.AsStored(volume);
        }

        var (directions, lateral, frontal, superior) = Axes(volume);
        var notes = new List<string>();
        if (superior != 2)
        {
            string plane = StoredPlane(directions[2]);
            RequireUsableAxialSlices(volume, plane, lateral, frontal);
            string from = directions[superior].S > 0 ? "inferior to superior" : "superior to inferior";
            notes.Add($"Stored in {plane} slices: the volume was reoriented without resampling (its array axes permuted) so that axial slices were analysed, "
                + $"as the model was trained on; slice numbers count those axial slices from {from}, and the NIfTI results lie on the input's own grid.");
        }
        else if (lateral != 0)
        {
            notes.Add(SwappedInPlaneNote);
        }

        // Permuting axes cannot straighten an oblique grid: the report says how far the analysed slices are off.
        double obliquity = Math.Max(DegreesOff(directions[lateral].R), Math.Max(DegreesOff(directions[frontal].A), DegreesOff(directions[superior].S)));
        if (obliquity > ObliqueNoteDegrees)
        {
            notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"Oblique acquisition: the analysed slices' axes lie up to {obliquity:0} degrees from the patient's left-right, front-back and foot-head directions, "
                + $"while the model was trained on slices aligned with them, so it saw the anatomy tilted or turned and its findings may be less reliable."));
        }

        return ReorientedVolume.Permuted(volume, [lateral, frontal, superior], notes, cancellationToken);
    }

    /// <summary>
    /// The size (width x height) of the axial slices <see cref="Of"/> gives <paramref name="volume"/>, from its dimensions
    /// and affine alone, without copying a voxel; a volume in another plane whose axial slices would be unusable is
    /// refused here already, as <see cref="Of"/> refuses it.
    /// </summary>
    public static (int Width, int Height) SliceSize(Volume volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        if (SliceExtraction.IsPlainImage(volume))
        {
            return (volume.Width, volume.Height);
        }

        var (directions, lateral, frontal, superior) = Axes(volume);
        if (superior != 2)
        {
            RequireUsableAxialSlices(volume, StoredPlane(directions[2]), lateral, frontal);
        }

        int[] size = [volume.Width, volume.Height, volume.Depth];
        return (size[lateral], size[frontal]);
    }

    /// <summary>The direction of each stored axis, and the stored axes that become the axial volume's axes 0, 1 and 2.</summary>
    private static ((double R, double A, double S)[] Directions, int Lateral, int Frontal, int Superior) Axes(Volume volume)
    {
        var directions = Enumerable.Range(0, 3).Select(axis => Direction(volume.Geometry.Affine, axis)).ToArray();
        // Axis 2 keeps its place unless another points clearly more superior, so that a (near) tie changes nothing.
        int superior = Closest([2, 0, 1], axis => DegreesOff(directions[axis].S));
        int[] others = [.. Enumerable.Range(0, 3).Where(axis => axis != superior)];
        int lateral = Closest(others, axis => DegreesOff(directions[axis].R));
        return (directions, lateral, 3 - superior - lateral, superior);
    }

    /// <summary>
    /// Of <paramref name="preference"/>, the first axis within <see cref="ChoiceToleranceDegrees"/> of the one closest to
    /// a direction (<paramref name="degreesOff"/> it).
    /// </summary>
    private static int Closest(int[] preference, Func<int, double> degreesOff)
    {
        double closest = preference.Min(degreesOff);
        return preference.First(axis => degreesOff(axis) <= closest + ChoiceToleranceDegrees);
    }

    /// <summary>The angle in degrees between an axis and a direction (either way along it), from the axis's unit component along it.</summary>
    private static double DegreesOff(double component) => Math.Acos(Math.Min(1, Math.Abs(component))) * 180 / Math.PI;

    /// <summary>The unit direction of an array axis in RAS+ (right, anterior, superior); zero for a degenerate column.</summary>
    private static (double R, double A, double S) Direction(double[] affine, int axis)
    {
        double r = affine[axis], a = affine[4 + axis], s = affine[8 + axis];
        double length = Math.Sqrt((r * r) + (a * a) + (s * s));
        return length > 0 ? (r / length, a / length, s / length) : (0, 0, 0);
    }

    /// <summary>The plane of the stored slices, named from the direction their stacking axis (axis 2) points most along.</summary>
    private static string StoredPlane((double R, double A, double S) stacking)
    {
        double r = Math.Abs(stacking.R), a = Math.Abs(stacking.A), s = Math.Abs(stacking.S);
        return r >= a && r >= s ? "sagittal" : a >= s ? "coronal" : "oblique";
    }

    private static void RequireUsableAxialSlices(Volume volume, string plane, int lateral, int frontal)
    {
        int[] size = [volume.Width, volume.Height, volume.Depth];
        double[] spacing = [volume.Geometry.SpacingX, volume.Geometry.SpacingY, volume.Geometry.SpacingZ];
        int width = size[lateral], height = size[frontal];
        double across = spacing[lateral], along = spacing[frontal];
        double aspect = Math.Max(across, along) / Math.Min(across, along);
        if (width >= ScanPreparation.MinimumSide && height >= ScanPreparation.MinimumSide && aspect <= MaxPixelAspect)
        {
            return;
        }

        throw new ScanRejectedException(ScanRejectionCode.UnsupportedOrientation, string.Create(CultureInfo.InvariantCulture,
            $"The scan is stored in {volume.Depth} {plane} slices, and the model reads axial slices: cut axially, this volume gives slices of {width}x{height} pixels "
            + $"of {across:0.##}x{along:0.##} mm. Axial slices need at least {ScanPreparation.MinimumSide}x{ScanPreparation.MinimumSide} pixels, none more than "
            + $"{MaxPixelAspect} times as long as wide, so a stack of thick {plane} slices cannot be re-cut into them: send the axial series, or a 3-D acquisition."));
    }
}
