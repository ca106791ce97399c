namespace Synomaly.Contracts;

/// <summary>Where a job came from: a portal upload or a bulk reprocessing run over the archive.</summary>
public enum JobOrigin
{
    Upload = 0,
    Bulk,
}
