namespace Synomaly.Diffusion.Schedules;

/// <summary>The noise schedules of the reference (<c>gaussian_diffusion.py::get_beta_schedule</c>).</summary>
public enum BetaSchedule
{
    /// <summary><c>linspace(s·1e-4, s·0.02, T)</c> with <c>s = 1000/T</c>.</summary>
    Linear,

    /// <summary><c>β_i = min(1 − f((i+1)/T)/f(i/T), 0.999)</c>, <c>f(u) = cos((u + 0.008)/1.008 · π/2)²</c>. Used by every released config.</summary>
    Cosine,
}

/// <summary>Computes β tables in float64, exactly as the reference's NumPy code does.</summary>
public static class BetaSchedules
{
    private const double MaxBeta = 0.999;

    public static double[] Betas(BetaSchedule schedule, int timesteps)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(timesteps, 2);
        return schedule switch
        {
            BetaSchedule.Linear => Linear(timesteps),
            BetaSchedule.Cosine => Cosine(timesteps),
            _ => throw new ArgumentOutOfRangeException(nameof(schedule), schedule, "Unknown beta schedule."),
        };
    }

    /// <summary>Reads the reference's names ("linear", "cosine"), case-insensitively.</summary>
    public static BetaSchedule Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "linear" => BetaSchedule.Linear,
        "cosine" => BetaSchedule.Cosine,
        _ => throw new FormatException($"Unknown beta schedule '{name}'; expected 'linear' or 'cosine'."),
    };

    private static double[] Linear(int timesteps)
    {
        double scale = 1000.0 / timesteps;
        double start = scale * 1e-4, end = scale * 0.02;
        var betas = new double[timesteps];
        // numpy.linspace: start + i·step, with the last element set to the end point exactly.
        double step = (end - start) / (timesteps - 1);
        for (int i = 0; i < timesteps; i++)
        {
            betas[i] = start + (i * step);
        }

        betas[^1] = end;
        return betas;
    }

    private static double[] Cosine(int timesteps)
    {
        static double F(double u)
        {
            double c = Math.Cos((u + 0.008) / 1.008 * Math.PI / 2);
            return c * c;
        }

        var betas = new double[timesteps];
        for (int i = 0; i < timesteps; i++)
        {
            double t1 = (double)i / timesteps, t2 = (double)(i + 1) / timesteps;
            betas[i] = Math.Min(1 - (F(t2) / F(t1)), MaxBeta);
        }

        return betas;
    }
}
