using Azure;
using Synomaly.Storage;
using Synomaly.Storage.Jobs;

namespace Synomaly.Functions.Services.Bulk;

/// <summary>
/// The storage failures that a best-effort call of a bulk run logs and lets pass: its calls on the bulk run table (closing
/// stalled runs, removing a run that never started, marking a first step queued, closing a run as Stopped,
/// <see cref="BulkRunStopper"/>), and, before a step rethrows why it failed to publish, its record of a slice that went out
/// in part (on the job and bulk run tables) and its check of the archive sources of the jobs that did not (on the archive
/// and the job table). They are any answer of the service (a 403 of a role scoped too narrowly, a 412),
/// a table missing (the bulk run table, or the job table a check or a confirmation writes), and the SDK giving up on network faults or
/// timeouts (an AggregateException, <see cref="TransientStorageFailure"/>, logged as status 0). Those last two went past a
/// catch of RequestFailedException: a start whose new run was fine answered 503, a run that never started was reported as
/// a storage outage, and a step's publish error was replaced by the check's. Anything else (a bug, a caller's
/// cancellation) stays thrown.
/// </summary>
internal static class BestEffortStorageFailure
{
    /// <summary>The failure of <paramref name="error"/> to log, by status and error code; null when it is not one to let pass.</summary>
    /// <param name="cancellationToken">The token the failed call was given (<see cref="TransientStorageFailure.Of"/>).</param>
    public static StorageFailure? Of(Exception error, CancellationToken cancellationToken) => error switch
    {
        RequestFailedException e => new StorageFailure(e.Status, e.ErrorCode),
        BulkRunTableMissingException { InnerException: RequestFailedException e } => new StorageFailure(e.Status, e.ErrorCode),
        JobTableMissingException { InnerException: RequestFailedException e } => new StorageFailure(e.Status, e.ErrorCode),
        _ => TransientStorageFailure.Of(error, cancellationToken),
    };
}
