using Synomaly.Imaging.Presets;
using Synomaly.Imaging.Reading;
using Synomaly.Imaging.Synthesis;
using Synomaly.Imaging.Volumes;

namespace Synomaly.Evaluation;

/// <summary>
/// Builds an evaluation set from healthy slices: every slice once as healthy, and <c>lesionsPerSlice</c> copies with a
/// synthetic lesion each (seed = baseSeed + running index). Lesions are inserted at the source resolution, then image and
/// mask go through the same preset as inference. <see cref="Build"/> with the same inputs gives the same cases;
/// <see cref="EvaluationSetManifest"/> records those inputs.
/// </summary>
public sealed class EvaluationSetBuilder(
    IReadOnlyList<BinaryShape> realShapes, int modelSize, int lesionsPerSlice, int baseSeed, SliceOrientation orientation = SliceOrientation.Display)
{
    /// <summary>The synthesizer's ranges every set is built with (recorded in its manifest).</summary>
    public static SynthesisOptions Synthesis { get; } = new();

    public IReadOnlyList<EvaluationCase> Build(IReadOnlyList<string> healthyFiles)
    {
        var synthesizer = new LesionSynthesizer(realShapes, Synthesis);
        var preset = new BrainMriPreset { ModelSize = modelSize, Orientation = orientation };
        var cases = new List<EvaluationCase>();
        int running = 0;
        foreach (var file in healthyFiles)
        {
            var volume = ScanReader.ReadFile(file);
            if (volume.Depth != 1)
            {
                throw new InvalidDataException($"{Path.GetFileName(file)} holds {volume.Depth} slices; evaluation sets are built from 2-D slices (one per file).");
            }

            // The preset lays NIfTI/DICOM slices out as the model expects (display rows flipped anterior up, or the
            // reference's transposed arrays); the truth mask must be laid out with the image.
            var layout = SliceLayout.Of(volume, orientation);
            var slice = EightBitGrey.Fit(volume.Slice(0).ToArray());
            cases.Add(new EvaluationCase($"healthy-{Path.GetFileNameWithoutExtension(file)}", file, Prepare(preset, volume, slice), new bool[modelSize * modelSize], null));
            for (int k = 0; k < lesionsPerSlice; k++)
            {
                int seed = baseSeed + running++;
                var synthetic = synthesizer.Synthesize(slice, volume.Width, volume.Height, seed);
                var mask = layout.Arrange<bool>(synthetic.Mask, volume.Width, volume.Height);
                var truth = MaskResampling.Resize(mask, layout.Width(volume), layout.Height(volume), modelSize, modelSize);
                cases.Add(new EvaluationCase($"lesion-{seed}", file, Prepare(preset, volume, synthetic.Image), truth, synthetic.Parameters));
            }
        }

        return cases;
    }

    private static float[] Prepare(BrainMriPreset preset, Volume source, float[] pixels)
    {
        var volume = new Volume(pixels, source.Width, source.Height, 1, source.Geometry, source.Modality, source.Provenance);
        return preset.Prepare(volume).Slices[0].Pixels;
    }
}
