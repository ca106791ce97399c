using Synomaly.Contracts;
using Synomaly.Imaging.Presets;
using Synomaly.Imaging.Reading;
using Synomaly.Imaging.Volumes;

namespace Synomaly.Evaluation;

/// <summary>
/// Builds the cases of <see cref="GivenSets"/>: each scan is read and prepared by the preset of the model's modality, as
/// detect and the worker prepare it (slice selection included: a volume contributes the slices its preset selects); each
/// anomalous slice's truth is its mask's slice, laid out, cropped and resampled as the image was (<see cref="TruthMasks"/>).
/// Nothing is split and nothing is synthesized.
/// </summary>
public sealed class GivenSetBuilder(int modelSize, SliceOrientation orientation, ModalityHint trainedFor)
{
    /// <summary>How far apart (mm) the affines of an image and its mask may be and still be one grid: float rounding of a header.</summary>
    private const double AffineTolerance = 1e-3;

    /// <summary>The cases of the given files, healthy first, in order.</summary>
    /// <param name="cancellationToken">
    /// Checked before each scan is read (and before an anomalous scan's mask): a cancelled build throws
    /// <see cref="OperationCanceledException"/> before its next file rather than after the whole set.
    /// </param>
    public GivenCases Build(IReadOnlyList<string> healthyFiles, IReadOnlyList<string> anomalousFiles, IReadOnlyList<string> maskFiles, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(healthyFiles);
        ArgumentNullException.ThrowIfNull(anomalousFiles);
        ArgumentNullException.ThrowIfNull(maskFiles);
        var cases = new List<EvaluationCase>();
        var files = new List<GivenFile>();
        // Cases are named by the path below their set's folder: patients' folders that repeat one file name
        // (p1/IM0001.dcm, p2/IM0001.dcm) would otherwise give one case id to several scans' slices.
        var healthyNames = SetRelativePaths.Of(healthyFiles);
        var anomalousNames = SetRelativePaths.Of(anomalousFiles);
        // The reader hears the token too: a large volume is stopped within its reading, not only before the next file.
        var reading = new ScanReadOptions { CancellationToken = cancellationToken };
        for (int i = 0; i < healthyFiles.Count; i++)
        {
            string file = healthyFiles[i];
            cancellationToken.ThrowIfCancellationRequested();
            var prepared = Prepare(file, InputPosition.Of(i, healthyFiles.Count, "--healthy"), SetScanReader.Read(file, "--healthy", reading), cancellationToken);
            foreach (var slice in prepared.Slices)
            {
                cases.Add(new EvaluationCase(CaseId("healthy", healthyNames[file], prepared, slice), file, slice.Pixels, new bool[modelSize * modelSize], null, Foreground: slice.Foreground));
            }

            files.Add(new GivenFile(file, null, prepared.PresetName, [.. prepared.Slices.Select(s => s.SourceSlice)], 0));
        }

        for (int i = 0; i < anomalousFiles.Count; i++)
        {
            string file = anomalousFiles[i], maskFile = maskFiles[i];
            // Where messages point: file and folder names can carry patient names.
            string position = InputPosition.Of(i, anomalousFiles.Count, "--anomalous");
            cancellationToken.ThrowIfCancellationRequested();
            var image = SetScanReader.Read(file, "--anomalous", reading);
            cancellationToken.ThrowIfCancellationRequested();
            var mask = SetScanReader.Read(maskFile, "--masks", reading);
            CheckGrid(image, mask, position, maskFile);
            var prepared = Prepare(file, position, image, cancellationToken);
            var kept = new List<int>();
            foreach (var slice in prepared.Slices)
            {
                // The mask's cut of the slice the preset cut, which for a volume it reoriented is not a stored slice.
                var stored = prepared.AnalysedSlice(mask, slice.SourceSlice).Select(v => v != 0).ToArray();
                var truth = TruthMasks.OnModelGrid(slice, stored, prepared.Analysed.Width, prepared.Analysed.Height, modelSize);
                if (!truth.Contains(true))
                {
                    continue;
                }

                kept.Add(slice.SourceSlice);
                cases.Add(new EvaluationCase(CaseId("anomalous", anomalousNames[file], prepared, slice), file, slice.Pixels, truth, null, maskFile, slice.Foreground));
            }

            if (image.Depth == 1 && kept.Count == 0)
            {
                // A single image in the anomalous set was meant to show a lesion: an empty mask is a pairing or export mistake.
                throw new EvaluationSetException(
                    EvaluationSetProblem.EmptyMask, maskFile, $"The mask of {position} marks no lesion on the {modelSize}x{modelSize} model grid (any non-zero pixel is lesion).");
            }

            files.Add(new GivenFile(file, maskFile, prepared.PresetName, kept, prepared.Slices.Count - kept.Count));
        }

        return new GivenCases(cases, files);
    }

    /// <param name="position">Which file of which input the volume is (<see cref="InputPosition"/>), for a refusal.</param>
    private PreparedScan Prepare(string file, string position, Volume volume, CancellationToken cancellationToken)
    {
        var preset = ModalityPresets.For(ModalityHint.Auto, volume.Modality, modelSize, trainedFor, orientation);
        var prepared = preset.Prepare(volume, cancellationToken);
        return prepared.Slices.Count > 0
            ? prepared
            : throw new EvaluationSetException(EvaluationSetProblem.NoSliceSelected, file, $"The {preset.Name} preset selects no slice of {position} (for CT: too little of it lies in the organ window).");
    }

    /// <summary>
    /// A mask must lie voxel for voxel on its image: the same size and slices and, for scans that record where they lie
    /// (NIfTI, DICOM), the same affine. A PNG or JPEG mask of a volume is refused: a picture cannot say which way its rows
    /// run, so it cannot be laid out as the volume's slices are.
    /// </summary>
    /// <param name="position">Which file of --anomalous the image is (<see cref="InputPosition"/>): messages name no path.</param>
    private static void CheckGrid(Volume image, Volume mask, string position, string maskFile)
    {
        string? mismatch = SliceExtraction.IsPlainImage(image) != SliceExtraction.IsPlainImage(mask)
            ? $"is a {mask.Provenance.Format} file and its image a {image.Provenance.Format} file: store the mask as its image is stored"
            : mask.Width != image.Width || mask.Height != image.Height || mask.Depth != image.Depth
                ? $"is {mask.Width}x{mask.Height}x{mask.Depth}; its image is {image.Width}x{image.Height}x{image.Depth}"
                : !SliceExtraction.IsPlainImage(image) && image.Geometry.Affine.Zip(mask.Geometry.Affine).Any(p => Math.Abs(p.First - p.Second) > AffineTolerance)
                    ? "has the image's size but another affine: it lies elsewhere in space, or its axes run another way"
                    : null;
        if (mismatch is not null)
        {
            throw new EvaluationSetException(EvaluationSetProblem.MaskGridMismatch, maskFile, $"The mask of {position} does not lie on its image's grid: it {mismatch}.");
        }
    }

    /// <summary>
    /// "healthy-name" for a single image, "healthy-name-z042" for a slice of a volume; the name is the file's path below its
    /// set's folder without its extension (<see cref="TruthMaskFiles.Stem"/>: .nii.gz counts as one), so a flat folder's
    /// cases keep the file-name ids they always had and p1/IM0001.dcm gives "healthy-p1/IM0001".
    /// </summary>
    private static string CaseId(string kind, string name, PreparedScan prepared, ModelSlice slice)
    {
        string folder = Path.GetDirectoryName(name) is { Length: > 0 } d ? d.Replace(Path.DirectorySeparatorChar, '/') + "/" : "";
        string stem = folder + TruthMaskFiles.Stem(name);
        return prepared.Source.Depth == 1 ? $"{kind}-{stem}" : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{kind}-{stem}-z{slice.SourceSlice:D3}");
    }
}

/// <summary>The cases of given sets and what each file contributed.</summary>
public sealed record GivenCases(IReadOnlyList<EvaluationCase> Cases, IReadOnlyList<GivenFile> Files);

/// <summary>
/// One given file: its mask (null for a healthy scan), the preset that prepared it, the slices that became cases, and for
/// an anomalous volume the selected slices left out because their mask marks nothing there.
/// </summary>
public sealed record GivenFile(string File, string? Mask, string Preset, IReadOnlyList<int> Slices, int SlicesWithoutLesion);
