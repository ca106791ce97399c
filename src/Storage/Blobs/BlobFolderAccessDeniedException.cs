using Azure;

namespace Synomaly.Storage.Blobs;

/// <summary>
/// The kind of blob request a folder's erasure makes, each authorized by its own data action, so by its own role: which
/// one storage denied tells an operator what to grant.
/// </summary>
public enum BlobFolderAccess
{
    /// <summary>Listing the folder's blobs (current, staged and previous versions) and reading a blob's properties: blobs/read.</summary>
    Read,

    /// <summary>Discarding an upload's staged blocks (Put Block List) and breaking a lease: blobs/write.</summary>
    Write,

    /// <summary>Deleting a blob or one of its previous versions: blobs/delete and blobs/deleteBlobVersion/action.</summary>
    Delete,
}

/// <summary>
/// Storage denied (401 or 403) one request of <see cref="BlobFolderEraser"/>: <see cref="Access"/> says which kind, in
/// <see cref="Container"/>. A <see cref="RequestFailedException"/> of the same status and error code, so that a caller
/// that catches those reads it as before; the message names the container and the kind, never a blob (a blob name can
/// be the portal's file name).
/// </summary>
public sealed class BlobFolderAccessDeniedException(string container, BlobFolderAccess access, RequestFailedException denied)
    : RequestFailedException(denied.Status, $"Storage denied the {access} request of a folder's erasure in container '{container}' ({denied.Status} {denied.ErrorCode}).", denied.ErrorCode, denied)
{
    public string Container { get; } = container;

    public BlobFolderAccess Access { get; } = access;
}
