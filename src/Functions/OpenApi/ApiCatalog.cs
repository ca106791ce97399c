using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc;
using Synomaly.Contracts;
using Synomaly.Functions.Http;
using Synomaly.Functions.Security;
using Synomaly.Functions.Services.Bulk;
using Synomaly.Functions.Services.Erasure;
using Synomaly.Functions.Services.Intake;
using Synomaly.Functions.Services.Status;
using Synomaly.Functions.Triggers;

namespace Synomaly.Functions.OpenApi;

/// <summary>
/// The HTTP API, operation by operation: what <see cref="OpenApiDocumentBuilder"/> turns into the OpenAPI document, and
/// the one place that states which app roles each operation needs (<see cref="ApiAuthorization"/> looks the operation up
/// here by the function's name, so the check and the document cannot disagree). Kept next to the triggers it describes;
/// tests hold it against the generated function metadata, the [Function] methods and real answers.
/// </summary>
public static class ApiCatalog
{
    private static readonly ApiResponse Invalid = new(400, "A parameter or the body is not valid; the detail names it.", typeof(ProblemDetails));

    /// <summary>The one answer of every endpoint that reads a scan's job record and finds it unreadable.</summary>
    private static readonly ApiResponse UnreadableRecord = new(500, $"The job record holds a value this version cannot read (written by a newer version, or damaged); type {Problems.UnreadableJobRecordType}.", typeof(ProblemDetails));

    /// <summary>What the job table's absence means for the caller, in each 503 that may say it.</summary>
    private const string TableMissingMeaning = "the table of the job records does not exist (an incomplete deployment, or the table was deleted); ask again after Retry-After, once an operator has restored it";

    /// <summary>What a storage call that failed for a passing reason means for the caller, in each 503 that may say it.</summary>
    private const string StorageUnavailableMeaning = "storage throttled the request, was busy, timed out or did not answer; repeat the same request after Retry-After (what a request that changes something did before it stopped is not done twice)";

    /// <summary>The one 503 of every endpoint that only reads or writes job records: their table missing, or storage failing for a while.</summary>
    private static readonly ApiResponse JobStoreUnavailable = new(503, $"Two cases, told apart by the problem's type. {Problems.JobTableMissingType}: {TableMissingMeaning}. {Problems.StorageUnavailableType}: {StorageUnavailableMeaning}.", typeof(ProblemDetails), RetryAfter: true);

    private static readonly ApiParameter ScanId = new("scanId", ApiParameterLocation.Path, "The opaque scan id that POST /scans returned (an id in GUID form matches in either letter case).", IdSchema());

    private static readonly ApiResponse NotAuthenticated = new(401, $"{Problems.NotAuthenticatedType}: with Api__RequireAppRoles on, the request carries no caller identity from App Service Authentication (X-MS-CLIENT-PRINCIPAL).", typeof(ProblemDetails));

    public static IReadOnlyList<ApiOperation> Operations { get; } = WithRoleCheck(
    [
        new(nameof(CreateScanUpload), "post", "scans", "Starts an upload: a new scan id and a write-only SAS URL for its one blob")
        {
            Access = ApiAccess.Portal,
            Body = new(typeof(CreateScanUploadRequest), Required: false, "Optional; only the extension of fileName is kept (file names can hold patient data)."),
            Responses =
            [
                new(201, "The scan id and the URL to PUT the file to (x-ms-blob-type: BlockBlob) before expiresOn.", typeof(CreateScanUploadResponse), Location: true),
                Invalid,
                new(503, $"{Problems.UploadUrlUnavailableType}: storage refused the key that signs upload URLs (an outage, or the app's identity lacks its role); no scan was created, ask again after Retry-After.", typeof(ProblemDetails), RetryAfter: true),
            ],
        },
        new(nameof(ListScans), "get", "scans", "Lists jobs of all scans, page by page")
        {
            Access = ApiAccess.Operator,
            Parameters =
            [
                new("status", ApiParameterLocation.Query, "Only jobs in this state.", EnumSchema<JobState>()),
                new("since", ApiParameterLocation.Query, "Only jobs created at or after this ISO 8601 time.", new JsonObject { ["type"] = "string", ["format"] = "date-time" }),
                new("pageSize", ApiParameterLocation.Query, "Items per page.", new JsonObject { ["type"] = "integer", ["minimum"] = 1, ["maximum"] = QueryParameters.MaxPageSize, ["default"] = QueryParameters.DefaultPageSize }),
                new("continuation", ApiParameterLocation.Query, "The previous page's continuation. A filtered page can be short or empty while one remains: read until it is null.", new JsonObject { ["type"] = "string" }),
            ],
            Responses = [new(200, "One page of jobs; unreadableCount and unreadableScanIds say which records of the page were left out because this version cannot read them.", typeof(ScanSummaryPage)), Invalid, JobStoreUnavailable],
        },
        new(nameof(GetScanStatus), "get", "scans/{scanId}", "The status of a scan's job and read-only SAS links to its results")
        {
            Access = ApiAccess.Portal,
            // An archive scan's id is a hash of its file's name, which anyone who knows or guesses the name (names can
            // hold patient data) can compute; its results are the archive owner's, not a portal's upload.
            ArchiveScanAccess = ApiAccess.Operator,
            Parameters =
            [
                ScanId,
                new("modelVersion", ApiParameterLocation.Query, "The model version (default: the one the app serves).", new JsonObject { ["type"] = "string" }),
            ],
            Responses =
            [
                new(200, "The job's status; results once it Succeeded.", typeof(ScanStatus)),
                Invalid,
                new(404, "No job for this scan and model version (unknown id, or the upload has not arrived yet).", typeof(ProblemDetails)),
                UnreadableRecord,
                JobStoreUnavailable,
            ],
        },
        new(nameof(DeleteScan), "delete", "scans/{scanId}", "Erases a scan: its upload, every result, and their blob versions")
        {
            Access = ApiAccess.Operator,
            Parameters = [ScanId],
            Responses =
            [
                new(200, "Deleted; the job records stay as tombstones (Failed, error code Deleted). Soft delete keeps the blobs recoverable for its retention period.", typeof(ScanErasure)),
                Invalid,
                new(404, "Nothing of this scan existed (no job, no upload, not even staged blocks, no results); an upload id is closed all the same, so a file uploaded to it later is erased unprocessed. For an archive id (a- and 32 lower-case hex digits) without a job record nothing is recorded to erase, and nothing is changed.", typeof(ProblemDetails)),
                new(409, $"Two cases, told apart by the problem's type. {Problems.ArchiveHoldsSourceType}: the scan comes from the archive, which still holds it; final until its owner deletes it there, then repeat the request. {Problems.ErasureIncompleteType}: the erasure is not complete (storage refused a blob delete or did not answer it, storage failed when the records were read again after the blobs were deleted, a job record kept changing, or the app's identity got no token for storage for a passing reason); the records are tombstones already (for a token, the detail says how far it got) and the detail says what is left; repeat the request, after the Retry-After header's seconds where the answer has one (storage, or the identity endpoint that gives the app its tokens, failed for a passing reason, or a job record kept changing), once the lease ends where a blob is leased, and only once it is lifted where a blob is immutable under a retention policy or a legal hold (the detail says so).", typeof(ProblemDetails)),
                new(500, $"{Problems.ErasureIncompleteType}: storage denied this app a request of the erasure, on the job table, the archive or a container (the app's identity lacks the role the detail names), or its identity could not get a token for a lasting reason (a passing one is a 409); the detail says what is done by then (possibly nothing) and what is left. Repeating does not help until an operator grants the role or mends the identity; then repeat the request.", typeof(ProblemDetails)),
                JobStoreUnavailable,
            ],
        },
        new(nameof(RetryScan), "post", "scans/{scanId}/retry", "Sends a Failed upload through intake again for the current model version")
        {
            Access = ApiAccess.Operator,
            Parameters = [ScanId],
            Responses =
            [
                new(202, "Queued again; the job's new status.", typeof(ScanStatus), Location: true),
                Invalid,
                new(404, "No job for this scan, or its upload is gone (also when the scan was erased while the retry ran).", typeof(ProblemDetails)),
                new(409, "The job is not Failed, or it comes from the archive (POST /reprocess with its error code in retryErrorCodes resubmits those), or intake took nothing in (the upload was deleted or replaced while the retry read it; the job is unchanged), or another request took the upload in meanwhile (the detail says where the job stands).", typeof(ProblemDetails)),
                UnreadableRecord,
                new(503, $"Three cases, told apart by the problem's type. {Problems.PublishFailedType}: the job could not be published to the worker queue; it is put back Failed with its earlier reason, so repeat the retry after Retry-After (the detail says where the job stands when it could not be put back: left to a newer writer, or Queued until the expiry sweep fails it). {Problems.JobTableMissingType}: {TableMissingMeaning}. {Problems.StorageUnavailableType}: {StorageUnavailableMeaning}.", typeof(ProblemDetails), RetryAfter: true),
            ],
        },
        new(nameof(RetryFailedScans), "post", "scans/retry-failed", "Retries every Failed upload with one of the given error codes")
        {
            Access = ApiAccess.Operator,
            Body = new(typeof(FailedUploadRetryRequest), Required: true, "errorCodes is required: most failures are verdicts on the file and would only repeat.")
            {
                RequiredProperties = ["errorCodes"],
            },
            Responses =
            [
                new(200, "What this call did; while continuation is set, call again with it.", typeof(FailedUploadRetryResult)),
                Invalid,
                new(503, $"Three cases, told apart by the problem's type. {Problems.PublishFailedType}: a job could not be published, and the call stopped there. {Problems.JobTableMissingType}: {TableMissingMeaning}. {Problems.StorageUnavailableType}: {StorageUnavailableMeaning}. In each case the problem's done member holds what the call did before it stopped (the table or storage may fail part way) and the continuation to repeat from after Retry-After.", typeof(ProblemDetails), RetryAfter: true),
            ],
        },
        new(nameof(StartReprocess), "post", "reprocess", "Starts a bulk reprocessing run over the archive")
        {
            Access = ApiAccess.Operator,
            Body = new(typeof(BulkRunRequest), Required: false, "All optional: prefix (default: the whole archive), modelVersion (default: the served one; name only a version the worker serves, or every job fails ModelVersionMismatch), dryRun, retryErrorCodes (jobs Failed for the listed file's version with one of these codes are resubmitted; checked as retry-failed's errorCodes; default none)."),
            Responses =
            [
                new(202, "The run, started; its progress is at the Location.", typeof(BulkRunProgress), Location: true),
                Invalid,
                new(503, $"Three cases, told apart by the problem's type. {Problems.RunNotStartedType}: the run was recorded but its first step could not be queued (the run is removed); start a new run after Retry-After. {Problems.BulkRunTableMissingType}: the table of the bulk runs does not exist (an incomplete deployment, or the table was deleted); ask again after Retry-After, once an operator has restored it. {Problems.StorageUnavailableType}: {StorageUnavailableMeaning}.", typeof(ProblemDetails), RetryAfter: true),
            ],
        },
        new(nameof(GetReprocessRun), "get", "reprocess/{runId}", "The progress of a bulk reprocessing run")
        {
            Access = ApiAccess.Operator,
            Parameters = [new("runId", ApiParameterLocation.Path, "The run id that POST /reprocess returned.", IdSchema())],
            Responses =
            [
                new(200, "The run's progress.", typeof(BulkRunProgress)),
                Invalid,
                new(404, "No run with this id.", typeof(ProblemDetails)),
                new(503, $"Three cases, told apart by the problem's type. {Problems.BulkRunTableMissingType}: the table of the bulk runs does not exist (an incomplete deployment, or the table was deleted). {Problems.JobTableMissingType}: the run's outstanding jobs are looked up in the job table, which does not exist. In these two cases ask again after Retry-After, once an operator has restored it. {Problems.StorageUnavailableType}: {StorageUnavailableMeaning}.", typeof(ProblemDetails), RetryAfter: true),
            ],
        },
        new(nameof(Health), "get", "health", "Liveness probe; touches nothing")
        {
            Anonymous = true,
            Responses = [new(200, "The app answers.", typeof(HealthStatus))],
        },
        new(nameof(GetOpenApiDocument), "get", "openapi.json", "This document")
        {
            Access = ApiAccess.Portal,
            Responses = [new(200, "The OpenAPI 3.1 document of this API.", typeof(JsonObject))],
        },
    ]);

    private static readonly Dictionary<string, ApiOperation> ById = Operations.ToDictionary(o => o.OperationId, StringComparer.Ordinal);

    /// <summary>The operation of the HTTP function named <paramref name="operationId"/> (its [Function] name).</summary>
    /// <exception cref="ArgumentException">No operation has that id: the function is missing from the catalog.</exception>
    public static ApiOperation Find(string operationId) =>
        ById.TryGetValue(operationId, out var operation)
            ? operation
            : throw new ArgumentException($"The API catalog has no operation '{operationId}': every HTTP function needs an entry in ApiCatalog.Operations, named as its [Function].", nameof(operationId));

    /// <summary>Adds the answers of the role check (<see cref="ApiAuthorization"/>) to every operation it guards, in status order.</summary>
    private static List<ApiOperation> WithRoleCheck(List<ApiOperation> operations) =>
        [.. operations.Select(o => o.Access is not { } access ? o : o with
        {
            Responses = [.. o.Responses.Append(NotAuthenticated).Append(RoleMissing(access, o.ArchiveScanAccess)).OrderBy(r => r.Status)],
        })];

    private static ApiResponse RoleMissing(ApiAccess access, ApiAccess? archiveScanAccess) =>
        new(403, $"{Problems.RoleRequiredType}: with Api__RequireAppRoles on, the caller holds none of the app roles {string.Join(", ", ApiRoles.Admitting(access))}{(archiveScanAccess is { } archive ? $" (for an archive scan's id, a-...: {string.Join(", ", ApiRoles.Admitting(archive))})" : "")}.", typeof(ProblemDetails));

    private static JsonObject IdSchema() => new() { ["type"] = "string", ["pattern"] = "^[A-Za-z0-9-]{1,64}$" };

    private static JsonObject EnumSchema<T>()
        where T : struct, Enum =>
        new() { ["type"] = "string", ["enum"] = new JsonArray([.. Enum.GetNames<T>().Select(n => JsonValue.Create(n))]) };
}
