namespace Synomaly.Cli.Reliability;

/// <summary>How hard the reliability suite pushes the local pipeline.</summary>
public sealed record SoakOptions
{
    /// <summary>Distinct good scans; the bad-input corpus and one duplicate upload come on top.</summary>
    public int Jobs { get; init; } = 1000;

    /// <summary>Worker kills (like a crashed container) at random points of the run; null: one per 100 jobs, at least 2.</summary>
    public int? WorkerKills { get; init; }

    /// <summary>Azurite restarts (a storage outage with the data kept) at random points of the run.</summary>
    public int StorageRestarts { get; init; } = 1;

    public bool BadInputs { get; init; } = true;

    public int Seed { get; init; } = 20261124;

    public required string RepositoryRoot { get; init; }

    public required string ModelDirectory { get; init; }

    /// <summary>Where Azurite's data, the generated scans and the logs go.</summary>
    public required string WorkDirectory { get; init; }

    /// <summary>Where the trigger host's and the worker's logs go: inside <see cref="WorkDirectory"/>.</summary>
    public string LogDirectory => Path.Combine(WorkDirectory, "logs");

    /// <summary>A healthy PNG slice; each job gets a copy with a few pixels changed so that every scan has its own id.</summary>
    public required string BaseScan { get; init; }

    public string Device { get; init; } = "cpu";

    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(60);

    /// <summary>The worker's Storage Queue visibility lock: short, so that a killed worker's jobs come back quickly.</summary>
    public int LockSeconds { get; init; } = 5;

    public int MaxBatchSize { get; init; } = 16;

    public int EffectiveWorkerKills => WorkerKills ?? Math.Max(2, Jobs / 100);
}
