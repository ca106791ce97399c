using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Synomaly.Functions.Http;
using Synomaly.Functions.Security;
using Synomaly.Functions.Services.Intake;

namespace Synomaly.Functions.Triggers;

/// <summary>
/// <c>POST /api/scans/retry-failed</c> {errorCodes, since, continuation, dryRun}: retries the Failed uploads with those
/// error codes; 200 with what it did and, while Failed jobs are left to read, a continuation for the next call. A retry
/// whose job cannot be published, a job table found missing, or storage failing for a passing reason stops the call: 503,
/// with what it did before and where to repeat it from.
/// </summary>
public sealed class RetryFailedScans(FailedUploadRetryService retries, ApiAuthorization authorization, ILogger<RetryFailedScans> logger)
{
    [Function(nameof(RetryFailedScans))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "scans/retry-failed")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        if (authorization.Refusal(request, nameof(RetryFailedScans)) is { } refusal)
        {
            return refusal;
        }

        var (body, error) = await JsonBody.ReadAsync<FailedUploadRetryRequest>(request, "{\"errorCodes\": [\"StorageUnavailable\"], \"since\": \"2026-12-01T00:00:00Z\", \"dryRun\": true}", cancellationToken);
        if (error is not null)
        {
            return Problems.BadRequest(error);
        }

        try
        {
            return new OkObjectResult(await retries.RunAsync(body ?? new FailedUploadRetryRequest(null, null, null, false), cancellationToken));
        }
        catch (InvalidRetryRequestException e)
        {
            return Problems.BadRequest(e.Message);
        }
        catch (FailedUploadRetryInterruptedException e)
        {
            return WithDone(
                Problems.PublishFailed(request.HttpContext.Response, e.Cause),
                e.Done,
                "The call stopped there; 'done' is what it did before (the scans in done.scanIds were retried). Repeat it with done.continuation (without one when that is null): the scans retried already have left the Failed set.");
        }
        catch (FailedUploadRetryTableMissingException e)
        {
            // Missing from the start, done is all zeros; found missing part way, jobs were retried before.
            return WithDone(
                logger.JobTableMissing(request, nameof(RetryFailedScans), e.Cause),
                e.Done,
                "'done' is what the call did before (the scans in done.scanIds were retried); once the table is restored, repeat it with done.continuation (without one when that is null).");
        }
        catch (FailedUploadRetryStorageUnavailableException e)
        {
            // As for a missing table: jobs may have been retried before storage failed.
            return WithDone(
                logger.StorageUnavailable(request, nameof(RetryFailedScans), e.Failure),
                e.Done,
                "'done' is what the call did before (the scans in done.scanIds were retried); repeat it with done.continuation (without one when that is null).");
        }
    }

    /// <summary>
    /// The 503 of a call that stopped part way, with its <c>done</c> member (what it did before, which the caller could not
    /// otherwise tell) and, appended to its detail, where to go on from.
    /// </summary>
    private static ObjectResult WithDone(ObjectResult problem, FailedUploadRetryResult done, string goOn)
    {
        var details = (ProblemDetails)problem.Value!;
        details.Detail += " " + goOn;
        details.Extensions["done"] = done;
        return problem;
    }
}
