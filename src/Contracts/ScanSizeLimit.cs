namespace Synomaly.Contracts;

/// <summary>
/// The largest scan file the system takes, in bytes: the worker reads no larger file (ScanReadLimits.MaxFileBytes), so
/// intake may accept no larger upload (Intake__MaxScanBytes), or the job would be queued only to fail on the worker.
/// </summary>
public static class ScanSizeLimit
{
    /// <summary>2 GiB.</summary>
    public const long MaxBytes = 2L * 1024 * 1024 * 1024;
}
