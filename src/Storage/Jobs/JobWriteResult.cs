namespace Synomaly.Storage.Jobs;

/// <summary>What happened to a conditional write of a job record.</summary>
public enum JobWriteOutcome
{
    /// <summary>The write was stored; <see cref="JobWriteResult.Record"/> is the new record with its new ETag.</summary>
    Written,

    /// <summary>Another writer changed the record first (ETag moved); <see cref="JobWriteResult.Record"/> is the current record.</summary>
    Conflict,

    /// <summary>The state change is not allowed by <c>JobStateTransitions</c>; <see cref="JobWriteResult.Record"/> is unchanged.</summary>
    NotAllowed,

    /// <summary>A create found a record already there; <see cref="JobWriteResult.Record"/> is the existing record.</summary>
    AlreadyExists,

    /// <summary>An update found no record (deleted meanwhile); <see cref="JobWriteResult.Record"/> is null.</summary>
    NotFound,
}

/// <summary>The typed result of a conditional job write: never an exception for an expected race.</summary>
public sealed record JobWriteResult(JobWriteOutcome Outcome, JobRecord? Record)
{
    public bool Succeeded => Outcome == JobWriteOutcome.Written;
}
