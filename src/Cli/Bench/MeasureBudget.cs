namespace Synomaly.Cli.Bench;

/// <summary>How long one measurement runs: untimed warm-up calls, then a fixed number of timed calls or calls until a time has passed.</summary>
public sealed record MeasureBudget(int Warmup, int? Iterations, double? Seconds)
{
    public static MeasureBudget From(BenchOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new MeasureBudget(options.Warmup, options.Iterations, options.Seconds);
    }

    /// <summary>Whether another timed call is due after <paramref name="done"/> calls and <paramref name="elapsedSeconds"/>.</summary>
    public bool WantsMore(int done, double elapsedSeconds) =>
        done < 1 || (Iterations is int iterations ? done < iterations : elapsedSeconds < (Seconds ?? 0));
}
