using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Synomaly.Contracts;
using Synomaly.Functions.Services.Bulk;
using Synomaly.Functions.Services.Erasure;
using Synomaly.Functions.Services.Jobs;
using Synomaly.Functions.Services.Uploads;
using Synomaly.Storage;
using Synomaly.Storage.Jobs;

namespace Synomaly.Functions.Http;

/// <summary>RFC 9457 problem-details responses, so portals get one error shape for every failure.</summary>
public static class Problems
{
    public static ObjectResult BadRequest(string detail) => Create(StatusCodes.Status400BadRequest, "The request is not valid.", detail);

    /// <summary>400 for an id in the route that cannot be a scan or run id (and so never a table key or blob folder).</summary>
    public static ObjectResult InvalidId(string parameter) => BadRequest($"'{parameter}' must be {BlobLayout.ScanIdRule}.");

    public static ObjectResult NotFound(string detail) => Create(StatusCodes.Status404NotFound, "Not found.", detail);

    /// <summary>
    /// 500 of a scan whose job record this version cannot read, for every endpoint that reads it. Left to the host it was
    /// a bare 500 with an empty body, which a portal cannot tell from an outage. The detail names the field, never its
    /// value: a source URI names the scan's file.
    /// </summary>
    public static ObjectResult UnreadableJobRecord(InvalidJobRecordException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return Create(
            StatusCodes.Status500InternalServerError,
            "The job record cannot be read.",
            $"The job record of scan {e.ScanId} ({e.ModelVersion}) cannot be read by this version: its stored {e.Field} is one this version does not know (written by a newer version, or damaged). It is left as it is; retrying will not help until it is repaired or this app updated.",
            UnreadableJobRecordType);
    }

    /// <summary>409 of <c>DELETE /api/scans/{scanId}</c> that is final until the archive's owner deletes the source.</summary>
    public const string ArchiveHoldsSourceType = "urn:synomaly:problem:archive-holds-source";

    /// <summary>
    /// An erasure of <c>DELETE /api/scans/{scanId}</c> stopped part way (<see cref="ErasureIncomplete"/>): 409 when
    /// repeating the request finishes it, 500 when storage denied the app a request or its identity got no token for good.
    /// </summary>
    public const string ErasureIncompleteType = "urn:synomaly:problem:erasure-incomplete";

    /// <summary>
    /// The answer of an erasure stopped part way; the detail says that the records are tombstones and what is left. 409
    /// where repeating the request finishes it, with Retry-After where the cause passes (storage, or the identity endpoint
    /// that gives the app its tokens, failed for a passing reason, or a job record kept changing under the erasure): the
    /// pause a 503 of an outage asks for; without it where storage refused for a reason of its own, an immutable blob
    /// included (<see cref="ErasureIncompleteCause.Immutable"/>: the state of the blob, not a fault of the app, though only
    /// the end of its policy or hold lets a repetition finish the erasure, as the detail says). 500 where storage denied the app a request of the erasure, or its identity got no
    /// token for one for a lasting reason: as every storage refusal of access is answered (a missing role no retry mends,
    /// <see cref="TransientStorageFailure"/>), but with this body, whose detail says what is done by then (possibly
    /// nothing); the Error log names the role, or the identity.
    /// </summary>
    public static ObjectResult ErasureIncomplete(HttpResponse response, ErasureIncompleteException error)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(error);
        if (error.Cause is ErasureIncompleteCause.AccessDenied or ErasureIncompleteCause.TokenUnavailable)
        {
            return Create(StatusCodes.Status500InternalServerError, "Erasure not completed.", error.Message, ErasureIncompleteType);
        }

        if (error.Cause is ErasureIncompleteCause.StorageUnavailable or ErasureIncompleteCause.IdentityUnavailable or ErasureIncompleteCause.RecordKeptChanging)
        {
            SetRetryAfter(response);
        }

        return Create(StatusCodes.Status409Conflict, "Erasure not completed.", error.Message, ErasureIncompleteType);
    }

    /// <summary>500 of a scan whose job record holds a value this version cannot read (a newer version wrote it, or it is damaged).</summary>
    public const string UnreadableJobRecordType = "urn:synomaly:problem:unreadable-job-record";

    /// <summary>503 of a retry (or a retry of failed uploads) whose ScanJob could not be published: repeat it later.</summary>
    public const string PublishFailedType = "urn:synomaly:problem:publish-failed";

    /// <summary>503 of <c>POST /api/reprocess</c>: the run was recorded but not started (its first step could not be queued).</summary>
    public const string RunNotStartedType = "urn:synomaly:problem:run-not-started";

    /// <summary>
    /// The 503 of a retry (or a retry of failed uploads) stopped by a ScanJob that could not be published, with
    /// Retry-After: messaging was down or throttled, and the same request is repeated once it is back.
    /// </summary>
    public static ObjectResult PublishFailed(HttpResponse response, JobPublishFailedException error)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(error);
        var left = error.RestoredFailure
            ? $"The job stays Failed with its earlier reason ({error.Record.ErrorCode}); repeat the retry once messaging is back."
            : $"The job is {error.Record.State} and was not put back to Failed; GET /api/scans/{error.Record.ScanId} shows where it stands.";
        return RetryLater(
            response,
            "The job could not be published.",
            $"The job of scan {error.Record.ScanId} could not be published to the worker queue ({error.Cause}). {left}",
            PublishFailedType);
    }

    /// <summary>
    /// The 503 of <c>POST /api/reprocess</c> whose run's first step could not be queued, with Retry-After: the step queue
    /// was down or throttled. The unstarted run's record is removed; the caller posts again (a new run) after the pause.
    /// </summary>
    public static ObjectResult RunNotStarted(HttpResponse response, BulkRunNotStartedException error)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(error);
        return RetryLater(response, "The run could not be started.", error.Message, RunNotStartedType);
    }

    /// <summary>503 of <c>POST /api/scans</c>: no upload URL could be signed; nothing was created, ask again after Retry-After.</summary>
    public const string UploadUrlUnavailableType = "urn:synomaly:problem:upload-url-unavailable";

    /// <summary>The seconds a 503 of an outage asks the caller to wait (Retry-After) before asking again.</summary>
    public const int RetryAfterSeconds = 30;

    /// <summary>The 503 of an upload URL storage would not let this app sign, with Retry-After on the response.</summary>
    public static ObjectResult UploadUrlUnavailable(HttpResponse response, UploadUrlUnavailableException error)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(error);
        return RetryLater(
            response,
            "No upload URL could be issued.",
            $"Storage refused the key that signs upload URLs ({error.Cause}): an outage, or the app's identity lacks its role on the storage account. No scan was created; ask again after {RetryAfterSeconds} seconds.",
            UploadUrlUnavailableType);
    }

    /// <summary>A 503 the same request may retry: Retry-After on the response, and the problem saying when.</summary>
    private static ObjectResult RetryLater(HttpResponse response, string title, string detail, string type)
    {
        SetRetryAfter(response);
        return Create(StatusCodes.Status503ServiceUnavailable, title, detail, type);
    }

    /// <summary>Asks the caller to wait <see cref="RetryAfterSeconds"/> before repeating the request.</summary>
    private static void SetRetryAfter(HttpResponse response) =>
        response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>503 of every endpoint that reads or writes job records while the job table does not exist.</summary>
    public const string JobTableMissingType = "urn:synomaly:problem:job-table-missing";

    /// <summary>
    /// The 503 of a request that found no job table, with Retry-After. Not a 404 (the scan is not unknown: the store of
    /// every scan is missing) nor a bare 500: the deployment is incomplete (the table never created, or the connection
    /// setting names another storage account) or the table was deleted, which an operator repairs, and the same request
    /// then succeeds. The table's name goes to the app's Error log, not to the caller.
    /// </summary>
    public static ObjectResult JobTableMissing(HttpResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return RetryLater(
            response,
            "The job store is unavailable.",
            $"The table that holds the scans' job records does not exist in the storage account this app is connected to (an incomplete deployment, or the table was deleted); no job record could be read or written. Ask again after {RetryAfterSeconds} seconds; an operator must restore the table.",
            JobTableMissingType);
    }

    /// <summary>503 of the bulk reprocessing endpoints while the bulk run table does not exist.</summary>
    public const string BulkRunTableMissingType = "urn:synomaly:problem:bulk-run-table-missing";

    /// <summary>
    /// The 503 of a bulk reprocessing request that found no bulk run table, with Retry-After: as
    /// <see cref="JobTableMissing"/>, a deployment fault an operator repairs, not an unknown run. The table's name goes
    /// to the app's Error log, not to the caller.
    /// </summary>
    public static ObjectResult BulkRunTableMissing(HttpResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return RetryLater(
            response,
            "The bulk run store is unavailable.",
            $"The table that holds the bulk runs does not exist in the storage account this app is connected to (an incomplete deployment, or the table was deleted); no run could be read or written. Ask again after {RetryAfterSeconds} seconds; an operator must restore the table.",
            BulkRunTableMissingType);
    }

    /// <summary>503 of an endpoint whose storage call failed for a passing reason (<see cref="TransientStorageFailure"/>).</summary>
    public const string StorageUnavailableType = "urn:synomaly:problem:storage-unavailable";

    /// <summary>
    /// The 503 of a request that a storage call failed for a passing reason (throttled, busy, timed out, no answer), with
    /// Retry-After: nothing is wrong with the request, and the same request succeeds once storage is back. Every endpoint
    /// that answers it is safe to repeat: what a request that changes something did before it stopped is not done twice.
    /// </summary>
    public static ObjectResult StorageUnavailable(HttpResponse response, StorageFailure failure)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(failure);
        var what = failure.Status == 0 ? "no answer" : $"{failure.Status} {failure.ErrorCode}".TrimEnd();
        return RetryLater(
            response,
            "Storage is unavailable for now.",
            $"The app's storage did not serve this request ({what}): throttled, busy or out of reach for a while. Nothing is wrong with the request; repeat it after {RetryAfterSeconds} seconds. A request that changes something may have done part of its work before it stopped; repeating it does not do that part twice.",
            StorageUnavailableType);
    }

    /// <summary>401 with <c>Api__RequireAppRoles</c> on: the request carries no caller identity that can be read.</summary>
    public const string NotAuthenticatedType = "urn:synomaly:problem:not-authenticated";

    /// <summary>403 with <c>Api__RequireAppRoles</c> on: the caller holds none of the app roles the operation needs.</summary>
    public const string RoleRequiredType = "urn:synomaly:problem:role-required";

    public static ObjectResult NotAuthenticated(string detail) => Create(StatusCodes.Status401Unauthorized, "Not authenticated.", detail, NotAuthenticatedType);

    public static ObjectResult RoleRequired(string detail) => Create(StatusCodes.Status403Forbidden, "Role required.", detail, RoleRequiredType);

    /// <param name="type">A problem type of this API where one status has answers that call for different actions;
    /// otherwise the status's own page.</param>
    public static ObjectResult Create(int status, string title, string detail, string? type = null)
    {
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail, Type = type ?? $"https://httpstatuses.io/{status}" };
        var result = new ObjectResult(problem) { StatusCode = status };
        result.ContentTypes.Add("application/problem+json");
        return result;
    }
}
