using Azure;
using Synomaly.Contracts;
using Synomaly.Storage.Jobs;

namespace Synomaly.Functions.Tests;

/// <summary>
/// A job table with one behaviour of Azure's that Azurite lacks: a well-formed continuation token the table does not know
/// (edited, stale, from another listing) is refused with 400 <c>InvalidInput</c>; Azurite reads any token as a key and
/// lists on from it. Without an inner store every listing is refused; with one, listings from the start are its own.
/// </summary>
internal sealed class RefusingContinuationJobStore(JobStore? inner = null) : JobStore
{
    public override Task<JobPage> ListAsync(JobState? state = null, DateTimeOffset? since = null, string? continuationToken = null, int pageSize = 100, DateTimeOffset? modifiedBefore = null, CancellationToken cancellationToken = default) =>
        inner is null || !string.IsNullOrEmpty(continuationToken)
            ? throw new RequestFailedException(400, "The request is not valid.", "InvalidInput", null)
            : inner.ListAsync(state, since, continuationToken, pageSize, modifiedBefore, cancellationToken);
}
