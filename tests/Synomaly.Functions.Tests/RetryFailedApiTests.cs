using System.Buffers.Text;
using Azure;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Synomaly.Contracts;
using Synomaly.Functions.Http;
using Synomaly.Functions.Options;
using Synomaly.Functions.Security;
using Synomaly.Functions.Services.Intake;
using Synomaly.Functions.Services.Jobs;
using Synomaly.Functions.Services.Status;
using Synomaly.Functions.Triggers;
using Synomaly.Storage.Jobs;
using Synomaly.Storage.Messaging;
using Synomaly.Testing;

namespace Synomaly.Functions.Tests;

/// <summary><c>POST /api/scans/retry-failed</c>: Failed uploads with the named error codes go through intake again.</summary>
[Trait("Category", "Integration")]
public sealed class RetryFailedApiTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static int Publications(TestHost host, string scanId) => host.Get<InMemoryScanJobPublisher>().Published.Count(p => p.Job.ScanId == scanId);

    [Fact]
    public async Task Failed_uploads_with_the_named_codes_are_queued_again_and_other_failures_stay_failed()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var outage = await host.FailedUploadAsync("StorageUnavailable");
        var expired = await host.FailedUploadAsync(JobRecord.ExpiredErrorCode);
        var bad = await host.FailedUploadAsync("Malformed");

        var answer = await host.Function<RetryFailedScans>().Run(
            HttpRequests.Create("POST", $$"""{"errorCodes": ["StorageUnavailable", "{{JobRecord.ExpiredErrorCode}}"]}"""), Ct);

        var result = Assert.IsType<FailedUploadRetryResult>(Assert.IsType<OkObjectResult>(answer).Value);
        Assert.Equal((3, 2, (string?)null), (result.Examined, result.Matched, result.Continuation));
        Assert.Equal(2, result.Outcomes[nameof(RetryOutcome.Resubmitted)]);
        Assert.Equal(new[] { expired, outage }.Order(StringComparer.Ordinal), result.ScanIds.Order(StringComparer.Ordinal));
        Assert.Equal(JobState.Queued, (await host.Jobs.GetAsync(outage, "v1", Ct))!.State);
        Assert.Equal(JobState.Queued, (await host.Jobs.GetAsync(expired, "v1", Ct))!.State);
        Assert.Equal(JobState.Failed, (await host.Jobs.GetAsync(bad, "v1", Ct))!.State);
        Assert.Equal((2, 2, 1), (Publications(host, outage), Publications(host, expired), Publications(host, bad)));
    }

    [Fact]
    public async Task A_job_that_cannot_be_published_stops_the_call_with_what_it_did_and_a_repeat_from_there_retries_the_rest_once()
    {
        var publisher = new OutagePublisher();
        await using var host = await TestHost.CreateAsync(azurite, publisher: publisher);
        var scans = new[] { await host.FailedUploadAsync(), await host.FailedUploadAsync(), await host.FailedUploadAsync() }.Order(StringComparer.Ordinal).ToArray();
        const string Body = """{"errorCodes": ["StorageUnavailable"]}""";

        // The queue goes down when the call reaches the second scan (the listing is in scan id order).
        publisher.FailsFor = job => job.ScanId == scans[1];
        var stopped = await host.Function<RetryFailedScans>().Run(HttpRequests.Create("POST", Body), Ct);
        var middle = (await host.Jobs.GetAsync(scans[1], "v1", Ct))!;
        publisher.FailsFor = _ => false;

        var problem = Assert.IsType<ObjectResult>(stopped);
        Assert.Equal(503, problem.StatusCode);
        var details = Assert.IsType<ProblemDetails>(problem.Value);
        Assert.Equal(Problems.PublishFailedType, details.Type);
        var done = Assert.IsType<FailedUploadRetryResult>(details.Extensions["done"]);
        Assert.Equal([scans[0]], done.ScanIds);
        Assert.Equal(1, done.Outcomes[nameof(RetryOutcome.Resubmitted)]);
        Assert.Equal(1, done.Outcomes[FailedUploadRetryService.PublishFailed]);
        Assert.Equal((JobState.Failed, "StorageUnavailable"), (middle.State, middle.ErrorCode));

        var continuation = done.Continuation is null ? "" : $$""", "continuation": "{{done.Continuation}}" """;
        var repeated = await host.Function<RetryFailedScans>().Run(HttpRequests.Create("POST", $$"""{"errorCodes": ["StorageUnavailable"]{{continuation}}}"""), Ct);

        var rest = Assert.IsType<FailedUploadRetryResult>(Assert.IsType<OkObjectResult>(repeated).Value);
        Assert.Equal(scans[1..], rest.ScanIds.Order(StringComparer.Ordinal));
        Assert.All(scans, scanId => Assert.Equal(2, publisher.Published.Count(p => p.Job.ScanId == scanId)));
    }

    [Fact]
    public async Task A_job_table_that_vanishes_part_way_answers_the_503_with_what_the_call_did_before()
    {
        // The 503 said only that the table was missing: a caller could not know that the first scan had been queued again
        // before the table vanished, nor where to go on from once it is restored.
        await using var host = await TestHost.CreateAsync(azurite, jobStore: (table, clock) => new TableVanishingJobStore(table, clock));
        var scans = new[] { await host.FailedUploadAsync(), await host.FailedUploadAsync(), await host.FailedUploadAsync() }.Order(StringComparer.Ordinal).ToArray();
        ((TableVanishingJobStore)host.Jobs).VanishAt = scans[1]; // the listing is in scan id order
        var request = HttpRequests.Create("POST", """{"errorCodes": ["StorageUnavailable"]}""");

        var stopped = await host.Function<RetryFailedScans>().Run(request, Ct);

        var problem = Assert.IsType<ProblemDetails>(Assert.IsType<ObjectResult>(stopped).Value);
        Assert.Equal((503, Problems.JobTableMissingType), (problem.Status, problem.Type));
        Assert.Equal("30", request.HttpContext.Response.Headers.RetryAfter.ToString());
        var done = Assert.IsType<FailedUploadRetryResult>(problem.Extensions["done"]);
        Assert.Equal([scans[0]], done.ScanIds);
        Assert.Equal((2, 2), (done.Examined, done.Matched));
        Assert.Equal(1, done.Outcomes[nameof(RetryOutcome.Resubmitted)]);
        Assert.Equal(1, done.Outcomes["JobTableMissing"]);
        Assert.Equal(2, Publications(host, scans[0]));
        Assert.Equal(1, Publications(host, scans[1]));
    }

    [Fact]
    public async Task A_dry_run_lists_what_it_would_retry_and_changes_nothing()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var outage = await host.FailedUploadAsync("Timeout");

        var answer = await host.Function<RetryFailedScans>().Run(HttpRequests.Create("POST", """{"errorCodes": ["Timeout"], "dryRun": true}"""), Ct);

        var result = Assert.IsType<FailedUploadRetryResult>(Assert.IsType<OkObjectResult>(answer).Value);
        Assert.True(result.DryRun);
        Assert.Equal([outage], result.ScanIds);
        Assert.Equal(1, result.Outcomes["WouldRetry"]);
        Assert.Equal(JobState.Failed, (await host.Jobs.GetAsync(outage, "v1", Ct))!.State);
        Assert.Equal(1, Publications(host, outage));
    }

    [Fact]
    public async Task A_call_out_of_time_returns_its_place_and_the_next_calls_retry_the_rest_once_each()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var failed = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            failed.Add(await host.FailedUploadAsync("NetworkError"));
        }

        var service = host.Get<FailedUploadRetryService>();
        var calls = new List<FailedUploadRetryResult>();
        string? place = null;
        do
        {
            // A zero budget ends each call after its first page of two.
            calls.Add(await service.RunAsync(new FailedUploadRetryRequest(["NetworkError"], null, place, false), TimeSpan.Zero, pageSize: 2, Ct));
            place = calls[^1].Continuation;
        }
        while (place is not null && calls.Count < 10);

        Assert.Null(place);
        Assert.InRange(calls.Count, 2, 4); // 5 records in pages of 2; retried ones leave the Failed set meanwhile
        Assert.Equal(failed.Order(StringComparer.Ordinal), calls.SelectMany(c => c.ScanIds).Order(StringComparer.Ordinal));
        Assert.All(failed, id => Assert.Equal(2, Publications(host, id)));
    }

    [Fact]
    public async Task The_continuation_has_the_format_of_the_list_api_s()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        for (var i = 0; i < 3; i++)
        {
            await host.FailedUploadAsync("Timeout");
        }

        // The same first page of Failed jobs, read by both APIs.
        var retried = await host.Get<FailedUploadRetryService>().RunAsync(new FailedUploadRetryRequest(["Timeout"], null, null, DryRun: true), TimeSpan.Zero, pageSize: 1, Ct);
        var listed = Assert.IsType<ScanSummaryPage>(Assert.IsType<OkObjectResult>(
            await host.Function<ListScans>().Run(HttpRequests.Create("GET", query: "?status=Failed&pageSize=1"), Ct)).Value);

        Assert.NotNull(retried.Continuation);
        Assert.True(Base64Url.IsValid(retried.Continuation));
        Assert.Equal(listed.Continuation, retried.Continuation);
    }

    [Fact]
    public async Task A_continuation_of_another_listing_is_a_400_problem_and_not_a_place_to_skip_to()
    {
        // The table would take the place of a Queued listing and silently start the Failed one there.
        await using var host = await TestHost.CreateAsync(azurite);
        for (var i = 0; i < 3; i++)
        {
            await host.Jobs.CreateAsync(new JobRecord { ScanId = $"q-{i}-{Guid.NewGuid():N}", ModelVersion = "v1", State = JobState.Queued }, Ct);
        }

        var queued = Assert.IsType<ScanSummaryPage>(Assert.IsType<OkObjectResult>(
            await host.Function<ListScans>().Run(HttpRequests.Create("GET", query: "?status=Queued&pageSize=1"), Ct)).Value);

        Assert.NotNull(queued.Continuation);
        foreach (var foreign in new[] { queued.Continuation, JobListContinuation.Encode(JobState.Failed, DateTimeOffset.UnixEpoch, "1!8!c2Nhbg--") })
        {
            var answer = await host.Function<RetryFailedScans>().Run(
                HttpRequests.Create("POST", $$"""{"errorCodes": ["Timeout"], "continuation": "{{foreign}}"}"""), Ct);
            Assert.Equal(400, Assert.IsType<ProblemDetails>(Assert.IsType<ObjectResult>(answer).Value).Status);
        }

        var listedElsewhere = await host.Function<ListScans>().Run(HttpRequests.Create("GET", query: "?status=Failed&continuation=" + queued.Continuation), Ct);
        Assert.Equal(400, Assert.IsType<ObjectResult>(listedElsewhere).StatusCode);
    }

    [Theory]
    [InlineData("***")]
    [InlineData("1!8!c2Nhbg-- 1!4!djE-")] // the table's own token, as this API answered before it used base64url
    public async Task A_continuation_this_api_did_not_return_is_a_400_problem_that_names_it_and_retries_nothing(string continuation)
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var outage = await host.FailedUploadAsync("StorageUnavailable");

        var answer = await host.Function<RetryFailedScans>().Run(
            HttpRequests.Create("POST", $$"""{"errorCodes": ["StorageUnavailable"], "continuation": "{{continuation}}"}"""), Ct);

        var problem = Assert.IsType<ProblemDetails>(Assert.IsType<ObjectResult>(answer).Value);
        Assert.Equal(400, problem.Status);
        Assert.Contains("continuation", problem.Detail, StringComparison.Ordinal);
        Assert.Equal(JobState.Failed, (await host.Jobs.GetAsync(outage, "v1", Ct))!.State);
    }

    [Fact]
    public async Task A_continuation_the_table_refuses_is_a_400_problem_that_names_it()
    {
        // Azurite takes any continuation; Azure answers 400 InvalidInput to a well-formed token it does not know.
        await using var host = await TestHost.CreateAsync(azurite);
        var answer = await RetryFailedScansOver(host, new RefusingContinuationJobStore()).Run(
            HttpRequests.Create("POST", $$"""{"errorCodes": ["Expired"], "continuation": "{{JobListContinuation.Encode(JobState.Failed, null, "1!8!c2Nhbg-- 1!4!djE-")}}"}"""), Ct);

        var problem = Assert.IsType<ProblemDetails>(Assert.IsType<ObjectResult>(answer).Value);
        Assert.Equal(400, problem.Status);
        Assert.Contains("continuation", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_place_the_table_handed_out_during_the_call_and_then_refuses_is_no_client_error()
    {
        // The caller's request was good and jobs were retried already: a 400 would tell it to change a request it did not get wrong.
        await using var host = await TestHost.CreateAsync(azurite);
        await host.FailedUploadAsync("Timeout");
        await host.FailedUploadAsync("Timeout");
        var service = new FailedUploadRetryService(new RefusingContinuationJobStore(host.Jobs), host.Get<ScanRetryService>(), host.Get<IOptions<IntakeOptions>>(), TimeProvider.System, NullLogger<FailedUploadRetryService>.Instance);

        await Assert.ThrowsAsync<RequestFailedException>(() => service.RunAsync(new FailedUploadRetryRequest(["Timeout"], null, null, false), TimeSpan.FromMinutes(1), pageSize: 1, Ct));
    }

    private static RetryFailedScans RetryFailedScansOver(TestHost host, JobStore jobs) =>
        new(new FailedUploadRetryService(jobs, host.Get<ScanRetryService>(), host.Get<IOptions<IntakeOptions>>(), TimeProvider.System, NullLogger<FailedUploadRetryService>.Instance),
            host.Get<ApiAuthorization>(),
            NullLogger<RetryFailedScans>.Instance);

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"errorCodes": []}""")]
    [InlineData("""{"errorCodes": ["Storage Unavailable"]}""")]
    [InlineData("not json")]
    public async Task A_request_without_valid_error_codes_is_refused_and_changes_nothing(string body)
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var outage = await host.FailedUploadAsync("StorageUnavailable");

        var answer = await host.Function<RetryFailedScans>().Run(HttpRequests.Create("POST", body), Ct);

        Assert.Equal(400, Assert.IsType<ObjectResult>(answer).StatusCode);
        Assert.Equal(JobState.Failed, (await host.Jobs.GetAsync(outage, "v1", Ct))!.State);
    }

    [Fact]
    public async Task A_failed_record_this_version_cannot_read_is_passed_over_with_a_warning_naming_its_scan_and_field_only()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var bad = await host.FailedUploadAsync("Timeout");
        await host.WriteUnreadableJobRecordAsync(bad, "v1", new() { ["SourceBlobUri"] = "patient qzxw/scan.dcm" });
        var log = new CapturingLogger<FailedUploadRetryService>();
        var service = new FailedUploadRetryService(
            host.Jobs, host.Get<ScanRetryService>(), host.Get<IOptions<IntakeOptions>>(), TimeProvider.System, log);

        var result = await service.RunAsync(new FailedUploadRetryRequest(["Timeout"], null, null, false), Ct);

        Assert.Equal(0, result.Examined);
        var warning = Assert.Single(log.Entries, e => e.Level == Microsoft.Extensions.Logging.LogLevel.Warning);
        Assert.Contains(bad, warning.Message, StringComparison.Ordinal);
        Assert.Contains("SourceBlobUri", warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("qzxw", warning.Message, StringComparison.Ordinal);
    }
}
