using System.Collections.Concurrent;
using Azure.Messaging.ServiceBus;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Synomaly.Contracts;
using Synomaly.Functions.Http;
using Synomaly.Functions.Services.Bulk;
using Synomaly.Functions.Services.Jobs;
using Synomaly.Functions.Triggers;
using Synomaly.Storage.Jobs;
using Synomaly.Testing;

namespace Synomaly.Functions.Tests;

/// <summary>
/// The endpoints that send a message (a retry's ScanJob to Service Bus or the scan queue, a run's first step to the step
/// queue), when the send fails for a passing reason: answered as the send that failed (publish-failed, run-not-started),
/// never as storage-unavailable, whose lone-timeout rule (<see cref="Storage.TransientStorageFailure"/>) reads any
/// cancellation the caller did not ask for as storage's own network timeout.
/// </summary>
[Trait("Category", "Integration")]
public sealed class MessagingFailureApiTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>How Azure.Core ends a try that outlasted its network timeout, the caller's token not cancelled.</summary>
    private static TaskCanceledException NetworkTimeout() => new("The operation was cancelled because it exceeded the configured timeout of 0:01:40.");

    [Fact]
    public async Task A_retry_whose_service_bus_send_times_out_answers_publish_failed_naming_the_service_bus_reason()
    {
        // The detail named the error by type alone ("ServiceBusException"), which cannot tell a timeout that passes from a
        // missing queue or a refused role.
        var publisher = new OutagePublisher { Failure = () => new ServiceBusException("The operation did not complete within the allotted timeout.", ServiceBusFailureReason.ServiceTimeout) };
        await using var host = await TestHost.CreateAsync(azurite, publisher: publisher);
        var scanId = await host.FailedUploadAsync();
        publisher.FailsFor = _ => true;
        var request = HttpRequests.Create("POST");

        var answer = await host.Function<RetryScan>().Run(request, scanId, Ct);

        var problem = Assert.IsType<ProblemDetails>(Assert.IsType<ObjectResult>(answer).Value);
        Assert.Equal((503, Problems.PublishFailedType), (problem.Status, problem.Type));
        Assert.Equal("30", request.HttpContext.Response.Headers.RetryAfter.ToString());
        Assert.Contains("(ServiceBusException ServiceTimeout)", problem.Detail, StringComparison.Ordinal);
        Assert.Equal(JobState.Failed, (await host.Jobs.GetAsync(scanId, "v1", Ct))!.State);
    }

    [Fact]
    public async Task A_retry_whose_send_outlasts_its_network_timeout_answers_publish_failed_not_storage_unavailable()
    {
        var publisher = new OutagePublisher { Failure = NetworkTimeout };
        await using var host = await TestHost.CreateAsync(azurite, publisher: publisher);
        var scanId = await host.FailedUploadAsync();
        publisher.FailsFor = _ => true;

        var answer = await host.Function<RetryScan>().Run(HttpRequests.Create("POST"), scanId, Ct);

        var problem = Assert.IsType<ProblemDetails>(Assert.IsType<ObjectResult>(answer).Value);
        Assert.Equal((503, Problems.PublishFailedType), (problem.Status, problem.Type));
        Assert.Contains("(TaskCanceledException)", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_retry_whose_send_fails_and_whose_record_storage_gives_up_on_putting_back_answers_publish_failed()
    {
        // Messaging and the job table go down together. Putting the Failed record back caught RequestFailedException only:
        // the SDK's AggregateException after its network retries replaced the publish error, and the caller heard
        // storage-unavailable for a retry whose job could not be published and was left Queued.
        var outage = new TableOutage();
        var publisher = new OutagePublisher();
        await using var host = await TestHost.CreateAsync(azurite, publisher: publisher, tableOptions: outage.Options());
        var scanId = await host.FailedUploadAsync();
        publisher.FailsFor = _ =>
        {
            outage.Failure = () => new Azure.RequestFailedException("Connection refused.", new HttpRequestException("Connection refused"));
            return true;
        };

        var answer = await host.Function<RetryScan>().Run(HttpRequests.Create("POST"), scanId, Ct);

        outage.Failure = null;
        var problem = Assert.IsType<ProblemDetails>(Assert.IsType<ObjectResult>(answer).Value);
        Assert.Equal((503, Problems.PublishFailedType), (problem.Status, problem.Type));
        Assert.Contains("(RequestFailedException 503 ServerBusy)", problem.Detail, StringComparison.Ordinal);
        Assert.Contains("was not put back to Failed", problem.Detail, StringComparison.Ordinal);
        Assert.Equal(JobState.Queued, (await host.Jobs.GetAsync(scanId, "v1", Ct))!.State);
    }

    [Fact]
    public async Task A_retry_whose_send_fails_while_the_job_table_is_deleted_answers_job_table_missing()
    {
        // The record cannot be put back, nor read: publish-failed would tell the caller the job is Queued and to repeat the
        // retry later, which only meets the missing table again. The deployment fault is the answer (JobSubmitter's
        // UndoReservationAsync); the publish error is in the submitter's Warning.
        var publisher = new OutagePublisher();
        await using var host = await TestHost.CreateAsync(azurite, publisher: publisher);
        var scanId = await host.FailedUploadAsync();
        publisher.FailsFor = _ =>
        {
            host.JobsTable.Delete(Ct);
            return true;
        };

        var answer = await host.Function<RetryScan>().Run(HttpRequests.Create("POST"), scanId, Ct);

        var problem = Assert.IsType<ProblemDetails>(Assert.IsType<ObjectResult>(answer).Value);
        Assert.Equal((503, Problems.JobTableMissingType), (problem.Status, problem.Type));
    }

    [Theory]
    [InlineData("ServiceBus", "(ServiceBusException QuotaExceeded)")]
    [InlineData("Queue", "(RequestFailedException 403 AuthorizationPermissionMismatch)")]
    public async Task A_failed_publish_is_logged_with_the_service_bus_reason_or_the_queues_status_and_code_but_never_its_message(string transport, string cause)
    {
        // The Warning named the error by type alone ("ServiceBusException"): an operator could not tell a timeout that
        // passes from a full queue, a missing one or a refused role, which the 503's detail already told the caller.
        var publisher = new OutagePublisher
        {
            FailsFor = _ => true,
            Failure = transport == "ServiceBus"
                ? () => new ServiceBusException("Quota of scan-jobs exceeded sending scan.dcm.", ServiceBusFailureReason.QuotaExceeded)
                : () => new Azure.RequestFailedException(403, "Not permitted to send scan.dcm.", "AuthorizationPermissionMismatch", null),
        };
        await using var host = await TestHost.CreateAsync(azurite, publisher: publisher);
        var log = new CapturingLogger<JobSubmitter>();
        var submitter = ActivatorUtilities.CreateInstance<JobSubmitter>(host.Services, log);
        var scanId = ScanBytes.NewScanId();
        var job = new ScanJob
        {
            ScanId = scanId,
            SourceBlobUri = new Uri($"https://example.invalid/scans/{scanId}/scan.dcm"),
            SourceETag = "0x8DC0000000000A1",
            ModelName = "brain-mri-demo",
            ModelVersion = "v1",
            Origin = JobOrigin.Upload,
            DetectedFormat = ScanFormat.Dicom,
            CorrelationId = scanId,
            SubmittedAt = DateTimeOffset.UtcNow,
        };

        await Assert.ThrowsAsync<JobPublishFailedException>(() => submitter.SubmitAsync(job, runId: null, scheduledEnqueueTime: null, Ct));

        var warning = Assert.Single(log.Entries, e => e.Level == LogLevel.Warning);
        Assert.Equal($"Scan {scanId}: its ScanJob could not be published {cause}", warning.Message);
    }

    [Fact]
    public async Task A_reprocess_request_whose_first_step_send_outlasts_its_network_timeout_answers_run_not_started()
    {
        // The step queue's lone timeout (after tries the queue answered 503, which the SDK does not collect) was let pass
        // as the caller's cancellation: the start removed the run's record and the caller heard storage-unavailable,
        // unlike the same outage ending in an AggregateException, which answers run-not-started naming the run.
        var steps = new TimingOutSteps();
        await using var host = await TestHost.CreateAsync(azurite, steps: steps);
        var request = HttpRequests.Create("POST", """{"dryRun":true}""");

        var answer = await host.Function<StartReprocess>().Run(request, Ct);

        var problem = Assert.IsType<ProblemDetails>(Assert.IsType<ObjectResult>(answer).Value);
        Assert.Equal((503, Problems.RunNotStartedType), (problem.Status, problem.Type));
        Assert.Equal("30", request.HttpContext.Response.Headers.RetryAfter.ToString());
        var runId = Assert.Single(steps.Attempted);
        Assert.Contains(runId, problem.Detail, StringComparison.Ordinal);
        Assert.Null(await host.Get<BulkReprocessService>().GetAsync(runId, Ct));
    }

    /// <summary>A step queue whose write outlasts its network timeout; it records which run asked.</summary>
    private sealed class TimingOutSteps : IBulkStepQueue
    {
        public ConcurrentQueue<string> Attempted { get; } = new();

        public Task EnqueueAsync(string runId, TimeSpan delay, CancellationToken cancellationToken = default)
        {
            Attempted.Enqueue(runId);
            throw NetworkTimeout();
        }
    }
}
