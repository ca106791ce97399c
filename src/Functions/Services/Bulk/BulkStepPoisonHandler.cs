using Microsoft.Extensions.Logging;

namespace Synomaly.Functions.Services.Bulk;

/// <summary>
/// A step message the queue trigger gave up on (<c>bulk-reprocess-poison</c>; the queue trigger BulkReprocessStepPoisoned
/// and the local host's twin). The failed step asked for no next one, so nothing would ever work its run again: it is
/// closed at once as <see cref="BulkRunState.Stopped"/> (<see cref="BulkRunStopReason.StepPoisoned"/>), instead of looking
/// open until <c>GET /api/reprocess/{runId}</c> reported it stalled and a later run, hours on, closed it Abandoned.
/// </summary>
/// <remarks>
/// Never throws for what a message holds: thrown, a message would be retried into <c>bulk-reprocess-poison-poison</c>,
/// which the templates neither create nor let the app create, and so come back every minute for good. A message naming
/// no run, or a run that is gone or already over, is logged and completed; a table that fails is logged by
/// <see cref="BulkRunStopper"/> and the run left to the stall report and to the next run.
/// </remarks>
public sealed partial class BulkStepPoisonHandler(BulkRunStopper stopper, ILogger<BulkStepPoisonHandler> logger)
{
    public const string Detail =
        "Its step failed on every delivery host.json allows (extensions.queues.maxDequeueCount, a minute apart) and the Functions host moved the step message to bulk-reprocess-poison: nothing works the run any more. The step's exceptions say why (the poison-messages alert); once the cause is fixed, a later run (POST /api/reprocess, or the scheduled one) covers its scans.";

    /// <summary>Closes the run the message names, if it is open; what was done, null for a message that names no run.</summary>
    /// <param name="message">The step message's text as the trigger decoded it: a run id, unless something else wrote it.</param>
    public async Task<BulkRunStopOutcome?> HandleAsync(string? message, CancellationToken cancellationToken)
    {
        if (!BulkRun.IsValidRunId(message))
        {
            // Not from this app's steps: whatever it holds is not repeated in the log (it might be a blob name).
            LogNoRunId(message?.Length ?? 0);
            return null;
        }

        var outcome = await stopper.StopAsync(message!, BulkRunStopReason.StepPoisoned, Detail, cancellationToken).ConfigureAwait(false);
        switch (outcome)
        {
            case BulkRunStopOutcome.Stopped:
                LogStopped(message!);
                break;
            case BulkRunStopOutcome.AlreadyOver:
                LogAlreadyOver(message!);
                break;
            case BulkRunStopOutcome.NotFound:
                LogNotFound(message!);
                break;
        }

        return outcome;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A message in bulk-reprocess-poison of {Length} characters is no bulk run id; it is removed and nothing else changes")]
    private partial void LogNoRunId(int length);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bulk run {RunId}: its step message went to bulk-reprocess-poison after its last failed delivery; the run is closed as Stopped (StepPoisoned) and its message removed. A later run (POST /api/reprocess, or the scheduled one) covers its scans")]
    private partial void LogStopped(string runId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Bulk run {RunId}: a step message of it went to bulk-reprocess-poison, but the run is already over; the message is removed")]
    private partial void LogAlreadyOver(string runId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A message in bulk-reprocess-poison names bulk run {RunId}, which does not exist (never started, or its table was replaced); the message is removed")]
    private partial void LogNotFound(string runId);
}
