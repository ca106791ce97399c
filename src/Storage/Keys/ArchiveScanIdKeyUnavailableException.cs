namespace Synomaly.Storage.Keys;

/// <summary>
/// The archive scan id key (<see cref="ArchiveScanIdKeyStore"/>) could not be had, so no archive scan id can be computed:
/// a job is neither published nor read under an id computed without it (or with another key). Storage outages, a missing
/// role or container, and a key blob of the wrong length all end here, told apart by <see cref="Reason"/>; the message
/// names the blob and the cause, never the key. Callers retry (a queue message, a ScanJob delivery) rather than go on.
/// </summary>
public sealed class ArchiveScanIdKeyUnavailableException(string reason, string message, Exception? inner = null)
    : Exception(message, inner)
{
    /// <summary>The key blob does not exist and this app may not create it (the GPU worker reads it only).</summary>
    public const string Missing = "KeyMissing";

    /// <summary>The key blob holds another number of bytes than a key has: it is never replaced, an operator must look.</summary>
    public const string Malformed = "KeyMalformed";

    /// <summary>The container of the key does not exist (the templates, or a local run's start-up, create it).</summary>
    public const string ContainerMissing = "KeyContainerMissing";

    /// <summary>Storage refused or failed the read or the write (an outage, a missing role).</summary>
    public const string StorageFailed = "KeyStorageFailed";

    public string Reason { get; } = reason;
}
