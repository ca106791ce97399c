using Azure;
using Synomaly.Storage.Jobs;

namespace Synomaly.Functions.Tests;

/// <summary>
/// A job table whose read of one scan's record always fails with a storage error that quotes a blob name, as an
/// unexpected failure of one upload's intake would; every other call is the inner store's.
/// </summary>
internal sealed class FailingReadJobStore(JobStore inner, string failingScanId, string quotedBlobName) : JobStore
{
    public override Task<JobRecord?> GetAsync(string scanId, string modelVersion, CancellationToken cancellationToken = default) =>
        scanId == failingScanId
            ? throw new RequestFailedException(500, $"The server failed the request for {quotedBlobName}.", "InternalError", null)
            : inner.GetAsync(scanId, modelVersion, cancellationToken);
}
