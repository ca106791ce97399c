namespace Synomaly.Functions.Services.Erasure;

/// <summary>Why a scan is erased (logged with the erasure).</summary>
public enum ErasureReason
{
    /// <summary><c>DELETE /api/scans/{scanId}</c>.</summary>
    Request,

    /// <summary>The archive's owner deleted the scan's source (an Event Grid BlobDeleted event).</summary>
    ArchiveSourceDeleted,

    /// <summary>
    /// A file arrived under a scan id that was erased before (sent with an upload URL issued before the erasure): erasure
    /// is final for its id, so the file is erased too instead of being processed.
    /// </summary>
    UploadAfterErasure,
}
