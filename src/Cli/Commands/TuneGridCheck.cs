using System.Globalization;
using Synomaly.Diffusion.Inference;
using Synomaly.Evaluation;

namespace Synomaly.Cli.Commands;

/// <summary>
/// Checks every point of a tune grid before any inference. Inference checks each candidate only when it runs: <c>tune --t
/// 150,1000</c> computed every t=150 candidate and then failed. The rules are inference's own
/// (<see cref="InferenceOptions.Validate"/>), and the command runner names a refused parameter by its tune option
/// (<see cref="OptionNames"/>: BlurKernel is --k); only t is checked here first, to name the model's schedule and, for a
/// built-in grid, the --grid that chose it.
/// </summary>
internal static class TuneGridCheck
{
    /// <param name="grid">The grid searched, built from --t, --k and --theta when <paramref name="gridName"/> is custom.</param>
    /// <param name="gridName">The --grid chosen: a built-in grid's timesteps are named by it, not by --t.</param>
    /// <param name="alphas">The --normative-alpha weights, when --normative-data is given; null otherwise.</param>
    public static void Require(TuningGrid grid, string gridName, InferenceOptions template, int diffusionTimesteps, IReadOnlyList<double>? alphas)
    {
        string option = gridName == "custom" ? "--t" : $"--grid {gridName}";
        foreach (int t in grid.Timesteps)
        {
            if (t < 0 || t >= diffusionTimesteps)
            {
                throw new UsageException(string.Create(
                    CultureInfo.InvariantCulture, $"{option}: {t} is not a timestep of this model, whose schedule has {diffusionTimesteps} (0..{diffusionTimesteps - 1})."));
            }
        }

        foreach (double alpha in alphas ?? [])
        {
            UsageException.Guard(() => NormativeResidual.RequireWeight(alpha));
        }

        // --k, --theta, --noise-draws and --min-component: a built-in grid's kernels and thresholds are valid constants, so
        // a refusal here always comes from an option the user gave.
        foreach (var candidate in grid.Candidates(template))
        {
            candidate.Validate(diffusionTimesteps);
        }
    }
}
