using System.Text.RegularExpressions;
using Synomaly.Functions.Services.Jobs;
using Synomaly.Storage;
using Synomaly.Storage.Jobs;

namespace Synomaly.Functions.Services.Intake;

/// <summary>
/// <c>POST /api/scans/retry-failed</c>: which Failed uploads to retry. <paramref name="ErrorCodes"/> is required, because
/// most failures are verdicts on the file and would only repeat; the caller names the ones that are not (after an outage:
/// StorageUnavailable, MessagingUnavailable, Timeout, NetworkError; after a model switch: ModelVersionMismatch; Expired).
/// </summary>
/// <param name="Since">Only jobs created at or after this time.</param>
/// <param name="Continuation">Where the previous call stopped (its answer's continuation, base64url as GET /api/scans hands out).</param>
/// <param name="DryRun">List what would be retried; change nothing.</param>
public sealed partial record FailedUploadRetryRequest(IReadOnlyList<string>? ErrorCodes, DateTimeOffset? Since, string? Continuation, bool DryRun)
{
    public const int MaxErrorCodes = 32;

    /// <summary>The error codes as a set, after checking them; throws <see cref="InvalidRetryRequestException"/> otherwise.</summary>
    public IReadOnlySet<string> ValidatedErrorCodes()
    {
        if (ErrorCodes is not { Count: > 0 } codes)
        {
            throw new InvalidRetryRequestException("'errorCodes' must name at least one error code to retry, for example [\"StorageUnavailable\", \"Expired\"].");
        }

        if (!AreErrorCodes(codes))
        {
            throw new InvalidRetryRequestException($"'errorCodes' takes at most {MaxErrorCodes} codes of letters and digits (as the job status shows them).");
        }

        return codes.ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>
    /// Whether <paramref name="codes"/> is a list of at most <see cref="MaxErrorCodes"/> error codes as the job status shows
    /// them; the rule of <c>errorCodes</c> here and of <c>retryErrorCodes</c> in <c>POST /api/reprocess</c>.
    /// </summary>
    public static bool AreErrorCodes(IReadOnlyList<string> codes)
    {
        ArgumentNullException.ThrowIfNull(codes);
        return codes.Count <= MaxErrorCodes && codes.All(c => c is not null && CodePattern().IsMatch(c));
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]{0,63}$")]
    private static partial Regex CodePattern();
}

/// <summary>What one call did.</summary>
/// <param name="Examined">Failed jobs read.</param>
/// <param name="Matched">Failed uploads of the current model version with one of the error codes.</param>
/// <param name="Outcomes">How many of the matched ended which way (<see cref="RetryOutcome"/> names; "WouldRetry" in a dry run).</param>
/// <param name="ScanIds">The scans retried (in a dry run: that would be).</param>
/// <param name="Continuation">Null when every Failed job has been read; otherwise call again with it.</param>
public sealed record FailedUploadRetryResult(int Examined, int Matched, IReadOnlyDictionary<string, int> Outcomes, IReadOnlyList<string> ScanIds, string? Continuation, bool DryRun);

/// <summary>A retry request that names no error code, or malformed ones, or a continuation this API did not return.</summary>
public sealed class InvalidRetryRequestException(string message, Exception? innerException = null) : Exception(message, innerException);

/// <summary>
/// A call stopped at a retry whose ScanJob could not be published (<see cref="Cause"/>): retrying the rest would only fail
/// the same way. <see cref="Done"/> is what the call did up to there (the scan that failed counts as PublishFailed and is
/// Failed again), with the continuation to repeat the call from: from the page it stopped in, or from the start when null.
/// The scans retried already have left the Failed set, so a repeat does not retry them twice.
/// </summary>
public sealed class FailedUploadRetryInterruptedException(FailedUploadRetryResult done, JobPublishFailedException cause)
    : Exception("A retry of failed uploads stopped: " + cause?.Message, cause)
{
    public FailedUploadRetryResult Done { get; } = done;

    public JobPublishFailedException Cause { get; } = cause!;
}

/// <summary>
/// A call stopped because the job table does not exist (<see cref="Cause"/>): missing from the start, or deleted while
/// the call ran. <see cref="Done"/> is what the call did up to there (the scan whose retry it cut short counts as
/// JobTableMissing), with the continuation to repeat the call from once the table is restored, as for
/// <see cref="FailedUploadRetryInterruptedException"/>.
/// </summary>
public sealed class FailedUploadRetryTableMissingException(FailedUploadRetryResult done, JobTableMissingException cause)
    : Exception("A retry of failed uploads stopped: " + cause?.Message, cause)
{
    public FailedUploadRetryResult Done { get; } = done;

    public JobTableMissingException Cause { get; } = cause!;
}

/// <summary>
/// A call stopped because storage failed for a passing reason (<see cref="Failure"/>, <see cref="TransientStorageFailure"/>):
/// throttled, busy, timed out or out of reach. <see cref="Done"/> is what the call did up to there (a scan whose retry it
/// cut short counts as StorageUnavailable), with the continuation to repeat the call from, as for
/// <see cref="FailedUploadRetryInterruptedException"/>.
/// </summary>
public sealed class FailedUploadRetryStorageUnavailableException(FailedUploadRetryResult done, StorageFailure failure, Exception cause)
    : Exception($"A retry of failed uploads stopped: storage failed for a passing reason ({failure?.Status} {failure?.ErrorCode}).", cause)
{
    public FailedUploadRetryResult Done { get; } = done;

    public StorageFailure Failure { get; } = failure!;
}
