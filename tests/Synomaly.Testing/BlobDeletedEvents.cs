using System.Text.Json;
using Azure.Storage.Blobs;

namespace Synomaly.Testing;

/// <summary>
/// Event Grid <c>Microsoft.Storage.BlobDeleted</c> events as Event Grid writes them to a storage queue (Event Grid
/// schema, one event object per message; shape as in the Azure Blob Storage event schema documentation). Azurite emits
/// no events, so tests put these on the queue themselves.
/// </summary>
public static class BlobDeletedEvents
{
    /// <summary>The event for the deletion of <paramref name="blobUri"/> (a blob's URL as its client gives it).</summary>
    public static string For(Uri blobUri, string eventType = "Microsoft.Storage.BlobDeleted")
    {
        ArgumentNullException.ThrowIfNull(blobUri);
        var blob = new BlobUriBuilder(blobUri); // Azurite's account is in the path, Azure's in the host
        return JsonSerializer.Serialize(new
        {
            topic = $"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-test/providers/Microsoft.Storage/storageAccounts/{blob.AccountName}",
            subject = $"/blobServices/default/containers/{blob.BlobContainerName}/blobs/{blob.BlobName}",
            eventType,
            eventTime = "2026-12-05T06:00:00.0000000Z",
            id = Guid.NewGuid().ToString(),
            data = new
            {
                api = "DeleteBlob",
                requestId = Guid.NewGuid().ToString(),
                contentType = "application/octet-stream",
                blobType = "BlockBlob",
                url = blobUri.AbsoluteUri,
                sequencer = "0000000000000000000000000000201B00000000004092a5",
                storageDiagnostics = new { batchId = Guid.NewGuid().ToString() },
            },
            dataVersion = "",
            metadataVersion = "1",
        });
    }
}
