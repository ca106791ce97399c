using System.Text.Json;
using Synomaly.Diffusion.Inference;
using Synomaly.Diffusion.Schedules;
using TorchSharp;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Weights;

/// <summary>
/// Replays the reference's adaptive runs (files <c>{prefix}adaptive_meta.json</c>, <c>{prefix}adaptive_{x0,noise}.f32</c>,
/// <c>{prefix}adaptive_{run}_{xpred,maps,final_map}.f32</c>: the authors' loop, one image at a time, with every stage's noise
/// supplied) through the batched <see cref="AnomalyDetector"/> on the model's device, and compares stage counts,
/// every stage's reconstruction and map and the final maps with the README's tolerances. Used by
/// <c>synomaly verify-reference</c> and by the unit tests, so the GPU proof and the CPU tests check the same thing.
/// </summary>
public static class AdaptiveReferenceReplay
{
    /// <summary>The meta file's suffix; a reference folder without it has no adaptive runs to replay.</summary>
    public const string MetaSuffix = "adaptive_meta.json";

    /// <summary>
    /// The README's tolerance for maps: a last-bit difference in a blur can flip a pixel that sits exactly at the threshold,
    /// so at most 0.5 % of a map's pixels may differ in being anomalous (values are compared where both are non-zero).
    /// </summary>
    public const double MaxMapDisagreement = 0.005;

    /// <summary>
    /// Whether the folder holds adaptive runs to replay: true when it has the meta file. Adaptive tensors without it are a
    /// <see cref="FileNotFoundException"/>, not "no runs": a verification that skipped them would pass on the network alone.
    /// </summary>
    public static bool HasRuns(string directory, string prefix)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(prefix);
        string meta = Path.Combine(directory, prefix + MetaSuffix);
        if (File.Exists(meta))
        {
            return true;
        }

        int tensors = Directory.EnumerateFiles(directory, prefix + "adaptive_*.f32").Count();
        return tensors == 0
            ? false
            : throw new MissingModelFileException(
                $"{prefix}{MetaSuffix} is missing, but the folder holds {tensors} {prefix}adaptive_*.f32 files: the adaptive runs cannot be replayed without it.", meta);
    }

    /// <summary>The names of the runs the meta file lists ("a", "b", "c" for the shipped fixtures), in file order.</summary>
    public static IReadOnlyList<string> RunNames(string directory, string prefix) =>
        ReadMeta(directory, prefix, root => root.GetProperty("runs").EnumerateObject().Select(run => run.Name).ToList());

    /// <summary>Replays one run with <paramref name="model"/> (on its device) and <paramref name="diffusion"/>.</summary>
    public static AdaptiveReplayResult Replay(nn.Module<Tensor, Tensor, Tensor> model, GaussianDiffusion diffusion, string directory, string prefix, string run)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(diffusion);
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(prefix);
        string File(string name) => Path.Combine(directory, prefix + name);

        var (options, imageShape, stageShape, expectedStages, expectedNonzero) = ReadMeta(directory, prefix, root =>
        {
            var spec = root.GetProperty("runs").GetProperty(run);
            var options = InferenceOptions.Adaptive(
                spec.GetProperty("t").GetInt32(),
                spec.GetProperty("kernel").GetInt32(),
                spec.GetProperty("threshold").GetDouble(),
                spec.GetProperty("diff_threshold").GetDouble()) with
            {
                MaxStages = spec.GetProperty("max_stages").GetInt32(),
                RecordStages = true,
            };
            return (
                options,
                Shape(root, "shape_x0"),
                Shape(root, "shape_noise_xpred_maps"),
                spec.GetProperty("stages_run").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
                spec.GetProperty("final_nonzero_pixels").EnumerateArray().Select(e => e.GetInt64()).ToArray());
        });

        using var scope = NewDisposeScope();
        var x0 = ReferenceVerification.ReadFloat32(File("adaptive_x0.f32"), imageShape);
        var noise = ReferenceVerification.ReadFloat32(File("adaptive_noise.f32"), stageShape);
        var result = new AnomalyDetector(model, diffusion).Detect(x0, options, stage => noise[stage]);

        float[] expectedReconstructions = ReadValues(File($"adaptive_{run}_xpred.f32"), stageShape);
        float[] expectedMaps = ReadValues(File($"adaptive_{run}_maps.f32"), stageShape);
        float[] expectedFinal = ReadValues(File($"adaptive_{run}_final_map.f32"), imageShape);
        int batchPixels = result.Count * result.PixelsPerSlice;
        double reconstructionError = 0;
        var maps = MapAgreement.None;
        for (int stage = 0; stage < Math.Min(result.Stages.Count, (int)stageShape[0]); stage++)
        {
            var expectedStage = new ReadOnlySpan<float>(expectedReconstructions, stage * batchPixels, batchPixels);
            reconstructionError = Math.Max(reconstructionError, MaxAbsDifference(expectedStage, result.Stages[stage].Reconstructions));
            maps = maps.Worst(MapAgreement.Of(new ReadOnlySpan<float>(expectedMaps, stage * batchPixels, batchPixels), result.Stages[stage].Maps));
        }

        maps = maps.Worst(MapAgreement.Of(expectedFinal, result.Maps));
        return new AdaptiveReplayResult(
            run,
            options,
            expectedStages,
            result.StagesRun,
            reconstructionError,
            maps.Disagreeing,
            batchPixels,
            maps.MaxError,
            expectedNonzero,
            result.Scores,
            result.PixelsPerSlice);
    }

    private static T ReadMeta<T>(string directory, string prefix, Func<JsonElement, T> interpret) =>
        ReferenceMetaFile.Read(Path.Combine(directory, prefix + MetaSuffix), interpret);

    private static long[] Shape(JsonElement root, string name) => [.. root.GetProperty(name).EnumerateArray().Select(d => d.GetInt64())];

    private static float[] ReadValues(string path, long[] shape)
    {
        using var values = ReferenceVerification.ReadFloat32(path, shape);
        return values.data<float>().ToArray();
    }

    private static double MaxAbsDifference(ReadOnlySpan<float> expected, float[] actual)
    {
        double worst = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
        }

        return worst;
    }

    /// <summary>How two maps of one batch agree: pixels that differ in being anomalous, largest difference where both are non-zero.</summary>
    private readonly record struct MapAgreement(int Disagreeing, double MaxError)
    {
        public static MapAgreement None => new(0, 0);

        public static MapAgreement Of(ReadOnlySpan<float> expected, float[] actual)
        {
            int disagreeing = 0;
            double worst = 0;
            for (int i = 0; i < actual.Length; i++)
            {
                if ((expected[i] != 0) != (actual[i] != 0))
                {
                    disagreeing++;
                }
                else if (expected[i] != 0)
                {
                    worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
                }
            }

            return new(disagreeing, worst);
        }

        public MapAgreement Worst(MapAgreement other) => new(Math.Max(Disagreeing, other.Disagreeing), Math.Max(MaxError, other.MaxError));
    }
}
