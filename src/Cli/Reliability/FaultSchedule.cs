namespace Synomaly.Cli.Reliability;

/// <summary>A fault the suite injects once the given number of jobs has ended.</summary>
public sealed record Fault(FaultKind Kind, int AfterFinishedJobs);

public enum FaultKind
{
    /// <summary>The worker process is killed (SIGKILL, like a crashed container) and a new one started.</summary>
    WorkerKill,

    /// <summary>Azurite is stopped and started again on the same data, under the running hosts.</summary>
    StorageRestart,
}

/// <summary>
/// Draws the faults' moments from a seed: each at a random count of finished jobs between 5% and 90% of the run (storage
/// restarts between 30% and 70%), so that they hit a busy pipeline and the run is reproducible.
/// </summary>
public static class FaultSchedule
{
    public static IReadOnlyList<Fault> Draw(int jobs, int workerKills, int storageRestarts, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(jobs, 1);
        var random = new Random(seed);
        var faults = new List<Fault>();
        for (int i = 0; i < workerKills; i++)
        {
            faults.Add(new Fault(FaultKind.WorkerKill, Between(random, jobs, 0.05, 0.90)));
        }

        for (int i = 0; i < storageRestarts; i++)
        {
            faults.Add(new Fault(FaultKind.StorageRestart, Between(random, jobs, 0.30, 0.70)));
        }

        return [.. faults.OrderBy(f => f.AfterFinishedJobs).ThenBy(f => f.Kind)];
    }

    /// <summary>
    /// How many of <paramref name="jobs"/> uploads go in before the faults; the rest wait until the last fault has fired.
    /// </summary>
    /// <remarks>
    /// Faults fire on counts of finished jobs. With a fast model every upload can end between two polls (an Azurite restart
    /// alone takes seconds), and a run that ends before its faults tests nothing; holding back the last tenth (at least one)
    /// keeps the run open until every fault is in. At least one uploaded job more than the last fault's count goes in first,
    /// so that the finished count can reach it while a job is still in flight.
    /// </remarks>
    public static int UploadsBeforeFaults(int jobs, IReadOnlyList<Fault> faults)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(jobs, 1);
        ArgumentNullException.ThrowIfNull(faults);
        if (faults.Count == 0)
        {
            return jobs;
        }

        int lastFault = faults.Max(f => f.AfterFinishedJobs);
        return Math.Min(jobs, Math.Max(jobs - Math.Max(1, jobs / 10), lastFault + 1));
    }

    private static int Between(Random random, int jobs, double from, double to) =>
        (int)Math.Floor(jobs * (from + ((to - from) * random.NextDouble())));
}
