using System.Globalization;
using Synomaly.Diffusion.Inference;
using Synomaly.Evaluation;

namespace Synomaly.Cli.Commands;

/// <summary>
/// Checks every point of a tune grid before any inference and names the option a refused value came from. Inference checks
/// each candidate only when it runs, naming its own parameter: <c>tune --t 150,1000</c> computed every t=150 candidate and
/// then failed naming <c>Timesteps</c>.
/// </summary>
internal static class TuneGridCheck
{
    /// <param name="grid">The grid searched, built from --t, --k and --theta when <paramref name="gridName"/> is custom.</param>
    /// <param name="gridName">The --grid chosen: a built-in grid's values are named by it, not by --t, --k or --theta.</param>
    /// <param name="alphas">The --normative-alpha weights, when --normative-data is given; null otherwise.</param>
    public static void Require(TuningGrid grid, string gridName, InferenceOptions template, int diffusionTimesteps, IReadOnlyList<double>? alphas)
    {
        string Named(string option) => gridName == "custom" ? option : $"--grid {gridName}";
        Each(grid.Timesteps, t => t >= 0 && t < diffusionTimesteps, Named("--t"),
            string.Create(CultureInfo.InvariantCulture, $"is not a timestep of this model, whose schedule has {diffusionTimesteps} (0..{diffusionTimesteps - 1})"));
        Each(grid.BlurKernels, k => k > 0 && k % 2 == 1, Named("--k"), "is not a blur kernel: give a positive odd number of pixels");
        Each(grid.Thresholds, theta => theta >= 0, Named("--theta"), "is not a threshold: give a number of at least 0");
        Each(grid.NoiseDraws ?? [], draws => draws is >= 1 and <= InferenceOptions.MaxNoiseDraws, "--noise-draws",
            string.Create(CultureInfo.InvariantCulture, $"is not a number of noise draws: give 1 to {InferenceOptions.MaxNoiseDraws}"));
        foreach (double alpha in alphas ?? [])
        {
            NormativeResidual.RequireWeight(alpha);
        }

        Each([template.MinComponentSize], size => size >= 0, "--min-component", "is not a component size: give a number of pixels, at least 0");

        // Whatever else inference would refuse is refused now too, before any candidate runs.
        foreach (var candidate in grid.Candidates(template))
        {
            candidate.Validate(diffusionTimesteps);
        }
    }

    private static void Each<T>(IEnumerable<T> values, Func<T, bool> valid, string option, string problem)
        where T : IFormattable
    {
        foreach (var value in values)
        {
            if (!valid(value))
            {
                throw new ArgumentException($"{option}: {value.ToString(null, CultureInfo.InvariantCulture)} {problem}.");
            }
        }
    }
}
