using Azure;
using Synomaly.Contracts;
using Synomaly.Storage.Blobs;

namespace Synomaly.Functions.Services.Erasure;

/// <summary>
/// What a denied request of an erasure was, and the role of the Functions identity that grants it, as the templates
/// assign them (infra/modules/role-assignments.bicep; docs/API.md, "Roles the Functions identity needs"): a denial
/// answered by the role it names, not by the one that grants a neighbouring request. A listing needs blob read, which
/// the eraser role does not carry: on <c>scans</c> it comes with Synomaly blob writer, on <c>results</c> with Storage Blob
/// Data Reader.
/// </summary>
internal static class ErasureRoles
{
    public const string BlobEraser = "Synomaly blob eraser";

    public const string BlobWriter = "Synomaly blob writer";

    public const string BlobReader = "Storage Blob Data Reader";

    /// <summary>Reads and writes the job records (their tombstones too), on the job table.</summary>
    public const string TableContributor = "Storage Table Data Contributor";

    /// <summary>The request a folder's erasure was denied, as the answer and the log name it.</summary>
    public static string Request(BlobFolderAccess access) => access switch
    {
        BlobFolderAccess.Read => "the listing of the scan's blobs",
        BlobFolderAccess.Write => "a blob write (discarding an upload's staged blocks, or breaking a lease)",
        _ => "a blob delete",
    };

    /// <summary>
    /// The request storage denied outside a folder's deletes, and the role that grants it: a folder's listing (the check for
    /// anything filed under an id, <see cref="BlobFolderAccessDeniedException"/>), or else access to the job table.
    /// </summary>
    public static (string Request, string Role) ForDenied(RequestFailedException denied) => denied switch
    {
        BlobFolderAccessDeniedException folder => ($"{Request(folder.Access)} in container '{folder.Container}'", ForFolder(folder.Container, folder.Access)),
        _ => ("access to the job table", TableContributor),
    };

    /// <summary>
    /// The role that grants <paramref name="access"/> in <paramref name="container"/>, or what to grant where the templates
    /// grant none: blob write on <c>results</c>, which only a result blob with staged blocks or a lease needs (the worker
    /// writes each result in one request, and nobody but the worker may write there).
    /// </summary>
    public static string ForFolder(string container, BlobFolderAccess access) => (container, access) switch
    {
        (_, BlobFolderAccess.Delete) => BlobEraser,
        (BlobLayout.ScansContainer, _) => BlobWriter,
        (_, BlobFolderAccess.Read) => BlobReader,
        _ => $"{BlobWriter} (blob write, which the templates do not grant it there)",
    };
}
