using Azure;
using Synomaly.Storage;

namespace Synomaly.Functions.Services.Bulk;

/// <summary>
/// The failures that a best-effort call on the bulk run table logs and lets pass (closing stalled runs, removing a run
/// that never started, marking a first step queued, closing a run as Stopped, <see cref="BulkRunStopper"/>), as does a
/// step's check of the archive sources of jobs it failed to publish, before it rethrows why: any answer of the service,
/// as before (a 403 of a role scoped too narrowly, a 412), the table missing, and the SDK giving up on network faults or
/// timeouts (an AggregateException,
/// <see cref="TransientStorageFailure"/>, logged as status 0). That last one went past the catch, and a start whose new
/// run was fine answered 503, or a run that never started was reported as a storage outage. Anything else (a bug, a
/// caller's cancellation) stays thrown.
/// </summary>
internal static class BulkRunTableBestEffort
{
    /// <summary>The failure of <paramref name="error"/> to log, by status and error code; null when it is not one to let pass.</summary>
    /// <param name="cancellationToken">The token the failed call was given (<see cref="TransientStorageFailure.Of"/>).</param>
    public static StorageFailure? FailureOf(Exception error, CancellationToken cancellationToken) => error switch
    {
        RequestFailedException e => new StorageFailure(e.Status, e.ErrorCode),
        BulkRunTableMissingException { InnerException: RequestFailedException e } => new StorageFailure(e.Status, e.ErrorCode),
        _ => TransientStorageFailure.Of(error, cancellationToken),
    };
}
