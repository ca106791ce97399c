namespace Synomaly.Functions.Services.Erasure;

/// <summary>Why a scan is erased (logged with the erasure).</summary>
public enum ErasureReason
{
    /// <summary><c>DELETE /api/scans/{scanId}</c>.</summary>
    Request,

    /// <summary>The archive's owner deleted the scan's source (an Event Grid BlobDeleted event).</summary>
    ArchiveSourceDeleted,
}
