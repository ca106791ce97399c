namespace Synomaly.Cli.Reliability;

/// <summary>The figures of one reliability run. It passes with nothing lost, nothing duplicated and every outcome as expected.</summary>
public sealed record SoakReport
{
    public required DateTimeOffset StartedAt { get; init; }

    public required string Machine { get; init; }

    public required string Device { get; init; }

    public required string Model { get; init; }

    public required int Seed { get; init; }

    /// <summary>Distinct good scans uploaded.</summary>
    public required int Jobs { get; init; }

    public required int BadInputs { get; init; }

    /// <summary>Uploads of bytes already uploaded (must not create a second job or result set).</summary>
    public required int DuplicateUploads { get; init; }

    public required int WorkerKillsPlanned { get; init; }

    public required int WorkerKills { get; init; }

    public required int StorageRestarts { get; init; }

    public required int Succeeded { get; init; }

    /// <summary>Bad inputs that ended Failed with their expected reason.</summary>
    public required int FailedWithReason { get; init; }

    /// <summary>Jobs with no record, no terminal state at the end, or Succeeded without a complete result set.</summary>
    public required int Lost { get; init; }

    /// <summary>Scans with more than one result set, or a duplicate upload that got a scan id of its own.</summary>
    public required int Duplicated { get; init; }

    /// <summary>Good jobs that ended Failed, or bad inputs that ended otherwise than expected.</summary>
    public required int WrongOutcome { get; init; }

    /// <summary>Messages in the poison queue at the end.</summary>
    public required int DeadLetterMessages { get; init; }

    /// <summary>
    /// Dead letters with reason SourceChanged: the message of an upload version that was overwritten (the duplicate
    /// upload) before the worker read it. The newer version's own message carries the job to its end.
    /// </summary>
    public required int StaleVersionsDeadLettered { get; init; }

    /// <summary>Bad inputs rejected by the worker whose message is in the poison queue.</summary>
    public required int DeadLettered { get; init; }

    /// <summary>Good jobs dead-lettered for a reason other than a stale version (must be none).</summary>
    public required int GoodJobsDeadLettered { get; init; }

    /// <summary>Bad inputs that pass intake and must therefore be dead-lettered by the worker.</summary>
    public required int DeadLetterExpected { get; init; }

    /// <summary>Deliveries beyond the first (jobs taken again after a kill or a storage outage).</summary>
    public required int Redeliveries { get; init; }

    public required double WallSeconds { get; init; }

    /// <summary>Good jobs per second, first upload to last job finished, faults included.</summary>
    public required double JobsPerSecond { get; init; }

    public required double JobSecondsP50 { get; init; }

    public required double JobSecondsP95 { get; init; }

    public required IReadOnlyList<BadInputOutcome> BadInputResults { get; init; }

    /// <summary>The first few jobs that went wrong, by scan id (never file names), for the logs.</summary>
    public required IReadOnlyList<string> Problems { get; init; }

    public bool Passed => Lost == 0 && Duplicated == 0 && WrongOutcome == 0 && DeadLettered == DeadLetterExpected && GoodJobsDeadLettered == 0;
}
