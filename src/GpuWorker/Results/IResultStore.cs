namespace Synomaly.GpuWorker.Results;

/// <summary>Result blobs under a job's results folder (BlobLayout.ResultsPrefix), written at most once each.</summary>
public interface IResultStore
{
    Task<bool> ExistsAsync(string path, CancellationToken cancellationToken = default);

    /// <summary>Creates the blob unless it exists (If-None-Match: *); false when it already existed.</summary>
    Task<bool> CreateIfAbsentAsync(string path, BinaryData content, string contentType, CancellationToken cancellationToken = default);

    /// <summary>Deletes every blob under the folder <paramref name="prefix"/> (ending with '/') with its previous versions; returns how many blobs it deleted.</summary>
    Task<int> DeleteUnderAsync(string prefix, CancellationToken cancellationToken = default);
}
