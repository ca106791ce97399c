using Synomaly.Contracts;
using Synomaly.Imaging.Presets;
using Synomaly.Imaging.Reading;
using Synomaly.Imaging.Synthesis;
using Synomaly.Imaging.Volumes;

namespace Synomaly.Evaluation;

/// <summary>
/// Builds an evaluation set from healthy slices: every slice once as healthy, and <c>lesionsPerSlice</c> copies with a
/// synthetic lesion each (seed = baseSeed + running index), less any whose lesion marks no pixel of the model grid. Slices
/// are prepared by the preset of the model's modality
/// (<paramref name="trainedFor"/>, as detect and the worker choose it), and lesions stay inside that modality's organ
/// (<see cref="LesionCanvas"/>); lesions are inserted at the source resolution, then image and mask go through the same
/// preset as inference. <see cref="Build"/> with the same inputs gives the same cases; <see cref="EvaluationSetManifest"/>
/// records those inputs.
/// </summary>
/// <param name="set">The input the files were given with (--data, --normative-data), named when one cannot be read.</param>
public sealed class EvaluationSetBuilder(
    IReadOnlyList<BinaryShape> realShapes, int modelSize, int lesionsPerSlice, int baseSeed, SliceOrientation orientation = SliceOrientation.Display,
    ModalityHint trainedFor = ModalityHint.Auto, string set = "the evaluation set")
{
    /// <summary>The synthesizer's ranges every set is built with (recorded in its manifest).</summary>
    public static SynthesisOptions Synthesis { get; } = new();

    /// <summary>The cases of <paramref name="healthyFiles"/>, in order; <paramref name="progress"/> hears the count of files done.</summary>
    /// <param name="cancellationToken">
    /// Checked before each file is read and before each of its lesions: a cancelled build throws
    /// <see cref="OperationCanceledException"/> within the file in progress rather than after it.
    /// </param>
    public IReadOnlyList<EvaluationCase> Build(IReadOnlyList<string> healthyFiles, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(healthyFiles);
        var cases = new List<EvaluationCase>();
        // Named by the path below the set's folder: patients' folders that repeat one file name (p1/slice.png,
        // p2/slice.png) would otherwise give one case id to several slices.
        var names = SetRelativePaths.Of(healthyFiles);
        int running = 0, done = 0;
        // The reader hears the token too: a large volume is stopped within its reading, not only before the next file.
        var reading = new ScanReadOptions { CancellationToken = cancellationToken };
        for (int i = 0; i < healthyFiles.Count; i++)
        {
            string file = healthyFiles[i];
            // Where messages point, never the file's name: names can carry patient names.
            string position = InputPosition.Of(i, healthyFiles.Count, set);
            cancellationToken.ThrowIfCancellationRequested();
            var volume = SetScanReader.Read(file, set, reading);
            if (volume.Depth != 1)
            {
                throw new InvalidDataException($"{position} holds {volume.Depth} slices; evaluation sets are built from 2-D slices (one per file).");
            }

            var preset = ModalityPresets.For(ModalityHint.Auto, volume.Modality, modelSize, trainedFor, orientation);
            var stored = volume.Slice(0).ToArray();
            var canvas = LesionCanvas.For(preset);
            if (canvas is null && lesionsPerSlice > 0)
            {
                throw LesionCanvas.Unsupported(preset, file, position);
            }

            // Without lesions to place (the normative residual's healthy slices) every preset can prepare the slice.
            var grey = canvas?.Grey(stored) ?? stored;
            // Without a canvas the slice is prepared as read: a colour ultrasound frame keeps the blue channel its preset reads.
            var healthy = canvas is null ? First(preset, volume, file, position) : Prepare(preset, volume, canvas.Healthy(stored, grey), file, position);
            cases.Add(new EvaluationCase($"healthy-{SetRelativePaths.WithoutExtension(names[file])}", file, healthy.Pixels, new bool[modelSize * modelSize], null, Foreground: healthy.Foreground));
            var region = lesionsPerSlice > 0 ? canvas!.Region(volume, stored, grey) : [];
            var synthesizer = new LesionSynthesizer(realShapes, canvas?.Options(volume, Synthesis) ?? Synthesis);
            for (int k = 0; k < lesionsPerSlice; k++)
            {
                // Each lesion is synthesized and prepared in turn: a slice with several is stopped between them.
                cancellationToken.ThrowIfCancellationRequested();
                int seed = baseSeed + running++;
                var synthetic = synthesizer.Synthesize(grey, volume.Width, volume.Height, seed, region);
                // The preset lays NIfTI/DICOM slices out as the model expects (display rows flipped anterior up, or the
                // reference's transposed arrays); the truth mask must be laid out with the image.
                var slice = Prepare(preset, volume, canvas!.WithLesion(stored, synthetic), file, position);
                var truth = TruthMasks.OnModelGrid(slice, synthetic.Mask, volume.Width, volume.Height, modelSize);
                if (!truth.Contains(true))
                {
                    // The lesion fell between the model grid's samples: a case with nothing to find would count as
                    // anomalous, and Dice, whose both-empty rule scores 1, would reward a model that found nothing. Left out
                    // as a given set leaves out a slice whose mask misses the grid; its seed stays used, so every other
                    // case is drawn as before.
                    continue;
                }

                cases.Add(new EvaluationCase($"lesion-{seed}", file, slice.Pixels, truth, synthetic.Parameters, Foreground: slice.Foreground));
            }

            progress?.Report(++done);
        }

        return cases;
    }

    private static ModelSlice Prepare(IModalityPreset preset, Volume source, float[] pixels, string file, string position) =>
        First(preset, new Volume(pixels, source.Width, source.Height, 1, source.Geometry, source.Modality, source.Provenance), file, position);

    /// <param name="position">Which file of the set it is (<see cref="InputPosition"/>), for a refusal.</param>
    private static ModelSlice First(IModalityPreset preset, Volume volume, string file, string position)
    {
        var slices = preset.Prepare(volume).Slices;
        return slices.Count > 0
            ? slices[0]
            : throw new EvaluationSetException(EvaluationSetProblem.NoSliceSelected, file, $"The {preset.Name} preset selects no slice of {position} (for CT: too little of it lies in the organ window).");
    }
}
