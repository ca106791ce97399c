using Synomaly.Contracts;

namespace Synomaly.Storage.Messaging;

/// <summary>
/// A batch publish failed after part of the batch had gone out. The jobs in <see cref="Sent"/> are on the queue: a caller
/// confirms their job records before it fails, or its retry sends them again, and a Storage Queue delivers both copies.
/// The rest were not sent, except that the send that failed may have reached the queue all the same (a timeout), which no
/// client can tell; the job record's reservation covers that case as for a single publish.
/// </summary>
public sealed class ScanJobBatchPartlySentException(IReadOnlyList<ScanJob> sent, int batchSize, Exception inner)
    : Exception($"{sent.Count} of the batch's {batchSize} ScanJobs were published before a send failed ({inner.GetType().Name}); the other {batchSize - sent.Count} were not.", inner)
{
    /// <summary>The jobs that went out, in the batch's order (always the batch's first ones).</summary>
    public IReadOnlyList<ScanJob> Sent { get; } = sent;

    /// <summary>How many jobs the batch had.</summary>
    public int BatchSize { get; } = batchSize;
}
