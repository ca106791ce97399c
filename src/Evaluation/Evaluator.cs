using Synomaly.Diffusion.Inference;
using Synomaly.Diffusion.Maps;
using Synomaly.Diffusion.Metrics;
using Synomaly.Imaging.Presets;
using static TorchSharp.torch;

namespace Synomaly.Evaluation;

/// <summary>
/// Runs one inference configuration over an evaluation set, in batches, and scores every case. With
/// <see cref="MapRegion.Foreground"/> (the default) each case's map is restricted to its preset's foreground and its score
/// counts the pixels left, as the worker serves them; the continuous residual (pixel-level ranking, normative factors)
/// stays as the engine computes it. <paramref name="imageLabel"/> says which cases the image ranking counts as anomalous
/// (<see cref="ImageLabelRule"/>: the reference's rule unless told otherwise), for every result it makes, tune's included.
/// </summary>
public sealed class Evaluator(AnomalyDetector detector, Device device, int batchSize = 32, MapRegion region = MapRegion.Foreground, ImageLabelRule imageLabel = ImageLabelRule.Reference)
{
    /// <summary>
    /// Scores every case of <paramref name="cases"/> under <paramref name="options"/>; <paramref name="progress"/> hears the
    /// count of cases done. A cancelled <paramref name="cancellationToken"/> stops it before the next batch, or inside a batch
    /// before its next stage (<see cref="OperationCanceledException"/>): a partial result must not pass for a whole one.
    /// </summary>
    public EvaluationResult Run(string name, IReadOnlyList<EvaluationCase> cases, InferenceOptions options, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cases);
        var outcomes = new List<CaseOutcome>(cases.Count);
        int size = SideOf(cases);
        for (int start = 0; start < cases.Count; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = cases.Skip(start).Take(batchSize).ToList();
            var pixels = batch.SelectMany(c => c.Input).ToArray();
            DetectionResult result;
            float[] residuals;
            using (var scope = NewDisposeScope())
            {
                using var input = tensor(pixels, [batch.Count, 1, size, size], float32, device: device);
                result = detector.Detect(input, SeededFor(options, start), cancellationToken: cancellationToken);
                using var reconstructions = tensor(result.Reconstructions, [batch.Count, 1, size, size], float32, device: device);
                residuals = AnomalyMap.BlurredDifference(input, reconstructions, options.BlurKernel).cpu().data<float>().ToArray();
            }

            int pixelsPerCase = size * size;
            for (int i = 0; i < batch.Count; i++)
            {
                var map = result.Map(i).ToArray();
                long score = result.Scores[i];
                if (region == MapRegion.Foreground && batch[i].Foreground is { } foreground)
                {
                    map = ForegroundMaps.Restricted(map, foreground);
                    score = ForegroundMaps.MarkedPixels(map);
                }

                var residual = residuals.AsSpan(i * pixelsPerCase, pixelsPerCase).ToArray();
                var reconstruction = result.Reconstruction(i).ToArray();
                var metrics = ImageMetrics.Compute(batch[i].Truth, map, batch[i].Input, reconstruction, size, size);
                outcomes.Add(new CaseOutcome(batch[i], map, residual, reconstruction, score, result.StagesRun[i], metrics, result.NormativeFallback[i]));
            }

            progress?.Report(Math.Min(start + batchSize, cases.Count));
        }

        return EvaluationResult.From(name, options, outcomes, inForeground: region == MapRegion.Foreground && cases.Any(c => c.Foreground is not null), imageLabel);
    }

    /// <summary>
    /// The side of the set's square slices, checked for every case before any is run. Every set builder resamples its cases
    /// onto the model's square grid; a case of another shape would otherwise reach torch as a bare shape error, or, with a
    /// pixel count that happens to fit, be read row by row as a different image; and a whole batch of another grid (the side
    /// was once taken per batch) was run as it was and its scores pooled with the rest. The refusal names every size the
    /// case has (a foreground too, when it has one), and a grid only where the first case set one: a first case that is no
    /// square has no side to be "like".
    /// </summary>
    private static int SideOf(IReadOnlyList<EvaluationCase> cases)
    {
        int side = cases.Count == 0 ? 0 : (int)Math.Round(Math.Sqrt(cases[0].Input.Length));
        for (int i = 0; i < cases.Count; i++)
        {
            var slice = cases[i];
            if (side == 0 || slice.Input.Length != side * side || slice.Truth.Length != side * side || slice.Foreground is { } foreground && foreground.Length != side * side)
            {
                string expected = i == 0 ? "a square slice" : $"a square slice of {side}x{side} pixels like the first case";
                string foregroundPixels = slice.Foreground is { Length: var count } ? $", foreground {count}" : "";
                throw new ArgumentException(
                    $"Evaluation case {i + 1} is not {expected} (input {slice.Input.Length}, truth {slice.Truth.Length}{foregroundPixels} pixels): " +
                    "cases must be resampled onto the model's grid.", nameof(cases));
            }
        }

        return side;
    }

    /// <summary>
    /// Per-slice seeding needs nothing per batch: a case's noise follows its pixels and the run's seed. Batch seeding (the
    /// numbers published before it) seeds each batch with the run's seed plus its first case's index, so a run is
    /// reproducible at one batch size only.
    /// </summary>
    private static InferenceOptions SeededFor(InferenceOptions options, int start) =>
        options.NoiseSeeding == NoiseSeeding.Batch ? options with { Seed = (options.Seed ?? 0) + start } : options;
}
