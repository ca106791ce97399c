using Synomaly.Contracts;

namespace Synomaly.GpuWorker.Results;

/// <summary>Reads exactly the blob version a ScanJob names (claim check: URI plus ETag).</summary>
public interface IScanBlobReader
{
    /// <summary>The scan's bytes; a missing or replaced blob throws JobRejectedException, an oversized one ScanRejectedException.</summary>
    Task<BinaryData> ReadAsync(ScanJob job, CancellationToken cancellationToken = default);
}
