using System.Globalization;
using Synomaly.Diffusion.Inference;

namespace Synomaly.Evaluation;

/// <summary>
/// Measures how well a model reconstructs healthy tissue at each pixel, and turns that into per-pixel factors of the map
/// threshold (<see cref="NormativeThreshold"/>). Measured on healthy training slices, never on the validation halves.
/// </summary>
public static class NormativeResidual
{
    /// <summary>Factors are rounded to this many decimals, so the card stays short and tuning uses exactly what it stores.</summary>
    private const int Decimals = 3;

    /// <summary>
    /// The share of the healthy training slices allowed under the template gate: its floor is their 1st percentile, so
    /// one odd training slice does not lower it for everyone.
    /// </summary>
    private const double GateQuantile = 0.01;

    /// <summary>
    /// The mean map of <paramref name="healthy"/> at the candidate's t, blur kernel and noise draws: single stage, θ 0 and no
    /// component filter, so the map is the whole blurred difference |blur(x) − blur(x̂)|. <paramref name="progress"/> hears the
    /// count of slices measured after each batch, as <see cref="Evaluator.Run"/> reports it: over many slices this is minutes.
    /// </summary>
    public static HealthyResidual Measure(
        Evaluator evaluator, IReadOnlyList<EvaluationCase> healthy, InferenceOptions candidate, long seed, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(evaluator);
        ArgumentNullException.ThrowIfNull(healthy);
        ArgumentNullException.ThrowIfNull(candidate);
        if (healthy.Count == 0 || healthy.Any(c => c.IsAnomalous))
        {
            throw new ArgumentException("The healthy residual is measured on at least one slice, all healthy.", nameof(healthy));
        }

        var options = candidate.AsSingleStage() with { Threshold = 0, MinComponentSize = 0, NormativeThreshold = null, Seed = seed };
        // The residual is the model's over the whole slice: the factors are measured where the engine thresholds, so a
        // foreground restriction of the evaluator (what the worker serves) must not blank it.
        var wholeSlices = healthy.Select(c => c with { Foreground = null }).ToList();
        var outcomes = evaluator.Run("healthy residual", wholeSlices, options, progress, cancellationToken).Outcomes;
        int pixels = healthy[0].Input.Length;
        var residual = new double[pixels];
        var input = new double[pixels];
        foreach (var outcome in outcomes)
        {
            for (int p = 0; p < pixels; p++)
            {
                residual[p] += outcome.Map[p];
                input[p] += outcome.Case.Input[p];
            }
        }

        var (headTemplate, floor) = HeadGate(healthy);
        return new HealthyResidual(
            [.. residual.Select(v => (float)(v / outcomes.Count))], [.. input.Select(v => (float)(v / outcomes.Count))], outcomes.Count,
            options.Timesteps[0], options.BlurKernel, options.NoiseDraws, headTemplate, floor);
    }

    /// <summary>
    /// The head template of <paramref name="healthy"/> (<see cref="HeadAlignment.Template"/>, rounded like the factors) and
    /// the lowest correlation with it that still counts as lined up: the healthy slices' own 1st percentile, rounded down to
    /// two decimals.
    /// </summary>
    private static (float[] Template, double Floor) HeadGate(IReadOnlyList<EvaluationCase> healthy)
    {
        int pixels = healthy[0].Input.Length, side = (int)Math.Sqrt(pixels);
        // Host arithmetic on the inputs, read back with data<float>(): on the CPU by name, whatever the default device.
        using var slices = TorchSharp.torch.tensor(healthy.SelectMany(c => c.Input).ToArray(), [healthy.Count, 1, side, pixels / side], device: TorchSharp.torch.CPU);
        float[] template = [.. HeadAlignment.Template(slices).Select(v => (float)Math.Round(v, Decimals))];
        using var correlations = HeadAlignment.Correlation(slices, template);
        var sorted = correlations.data<float>().ToArray().Order().ToArray();
        return (template, Math.Floor(sorted[(int)Math.Floor(GateQuantile * (sorted.Length - 1))] * 100) / 100);
    }

    /// <summary>Refuses a normative weight α outside 0..1; tune checks its whole --normative-alpha list with it before any inference.</summary>
    public static void RequireWeight(double alpha)
    {
        if (!(alpha is >= 0 and <= 1))
        {
            // One line naming the option: ArgumentOutOfRangeException would add a second line ("Actual value was 2.") and
            // the parameter's name to what the command line prints.
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"--normative-alpha: {alpha} is not a normative weight: give a number from 0 to 1."));
        }
    }

    /// <summary>
    /// The factors α·max(m, m̄/20)/m̄ + (1 − α), m the mean residual at a pixel and m̄ its mean over the head. The floor keeps
    /// θ from vanishing where healthy slices never differ (the background).
    /// </summary>
    public static NormativeThreshold Threshold(HealthyResidual residual, double alpha)
    {
        ArgumentNullException.ThrowIfNull(residual);
        RequireWeight(alpha);

        var head = Enumerable.Range(0, residual.Mean.Length).Where(p => residual.MeanInput[p] > HeadAlignment.HeadLevel).Select(p => (double)residual.Mean[p]).ToList();
        double headMean = head.Count > 0 ? head.Average() : residual.Mean.Average(v => (double)v);
        if (!(headMean > 0))
        {
            throw new InvalidOperationException("The healthy residual is zero everywhere: the model reproduces its input exactly, and no threshold pattern can be measured.");
        }

        float[] scale = [.. residual.Mean.Select(m => (float)Math.Round((alpha * Math.Max(m, headMean / 20) / headMean) + (1 - alpha), Decimals))];
        return new NormativeThreshold(scale, alpha, residual.Slices, residual.Timestep, residual.BlurKernel, residual.NoiseDraws, residual.HeadTemplate, residual.MinHeadCorrelation);
    }

    /// <summary>
    /// Every candidate once per α: unchanged for α = 0 (the reference), with the factors of its own t, k and draws otherwise.
    /// <paramref name="residualFor"/> measures (and should cache) the residual of a candidate.
    /// </summary>
    public static IEnumerable<InferenceOptions> Expand(IEnumerable<InferenceOptions> candidates, IReadOnlyList<double> alphas, Func<InferenceOptions, HealthyResidual> residualFor)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(alphas);
        ArgumentNullException.ThrowIfNull(residualFor);
        var list = candidates.ToList();
        return from alpha in alphas
               from candidate in list
               select alpha == 0 ? candidate : candidate with { NormativeThreshold = Threshold(residualFor(candidate), alpha) };
    }
}

/// <summary>
/// The mean blurred healthy residual and the mean input per pixel (H·W, row-major), over <paramref name="Slices"/> slices,
/// measured at <paramref name="Timestep"/>, <paramref name="BlurKernel"/> and <paramref name="NoiseDraws"/>, with the
/// slices' head template and the lowest head correlation the gate accepts (<see cref="NormativeThreshold.MinHeadCorrelation"/>).
/// </summary>
public sealed record HealthyResidual(float[] Mean, float[] MeanInput, int Slices, int Timestep, int BlurKernel, int NoiseDraws, float[] HeadTemplate, double MinHeadCorrelation);
