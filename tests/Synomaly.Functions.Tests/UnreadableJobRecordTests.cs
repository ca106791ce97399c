using Azure.Data.Tables;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Synomaly.Contracts;
using Synomaly.Functions.Options;
using Synomaly.Functions.Services.Erasure;
using Synomaly.Functions.Services.Intake;
using Synomaly.Functions.Services.Jobs;
using Synomaly.Functions.Services.Status;
using Synomaly.Functions.Triggers;
using Synomaly.Storage.Jobs;
using Synomaly.Testing;

namespace Synomaly.Functions.Tests;

/// <summary>
/// A stored job record this version cannot read (a state or origin it does not know, a damaged source URI), met by the
/// upload intake and the retry API: each answers it by name instead of throwing it at the host.
/// </summary>
[Trait("Category", "Integration")]
public sealed class UnreadableJobRecordTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Intake_of_an_upload_whose_scan_has_an_unreadable_record_refuses_it_once_with_an_error_naming_scan_version_and_field()
    {
        // The erased-scan check listed the scan's records and threw on the unreadable one: every attempt of the blob
        // event failed the same way and its message ended in the poison queue, with no reason anyone could read.
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = ScanBytes.NewScanId();
        var upload = await host.UploadScanAsync($"{scanId}/scan.png", ScanBytes.Png());
        await host.SucceededJobAsync(scanId);
        await host.WriteUnreadableJobRecordAsync(scanId, "v1", new() { ["State"] = "Paused", ["SourceBlobUri"] = "patient qzxw/scan.dcm" });
        var log = new CapturingLogger<ScanIntakeService>();
        var intake = new ScanIntakeService(
            host.Get<JobSubmitter>(), host.Jobs, host.Get<ScanErasureService>(), host.Get<IOptions<IntakeOptions>>(), TimeProvider.System, log);

        var result = await intake.ProcessAsync(upload, Ct);

        Assert.Equal((IntakeOutcome.Rejected, scanId, (JobRecord?)null), (result.Outcome, result.ScanId, result.Record));
        Assert.Equal(IntakeRejectionCode.UnreadableJobRecord, result.Rejection);
        var error = Assert.Single(log.Entries, e => e.Level == LogLevel.Error);
        Assert.Contains(scanId, error.Message, StringComparison.Ordinal);
        Assert.Contains("v1", error.Message, StringComparison.Ordinal);
        Assert.Contains("State", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("qzxw", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("scan.png", error.Message, StringComparison.Ordinal);
        // Left as it was, for whoever repairs the record: the upload is neither deleted nor the record overwritten.
        Assert.Contains($"{scanId}/scan.png", await host.BlobNamesAsync(BlobLayout.ScansContainer, scanId));
        Assert.Equal("Paused", (await host.JobsTable.GetEntityAsync<TableEntity>(scanId, "v1", cancellationToken: Ct)).Value.GetString("State"));
    }

    [Fact]
    public async Task A_retry_of_a_scan_whose_record_this_version_cannot_read_is_the_same_500_problem_as_its_status_logged_as_an_error()
    {
        // Reading the record threw past the trigger: the host answered a bare 500 with an empty body.
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = await host.FailedUploadAsync();
        await host.WriteUnreadableJobRecordAsync(scanId, "v1", new() { ["State"] = "Paused", ["SourceBlobUri"] = "patient qzxw/scan.dcm" });
        var log = new CapturingLogger<RetryScan>();
        var function = new RetryScan(host.Get<ScanRetryService>(), host.Get<ScanStatusService>(), host.Get<Security.ApiAuthorization>(), log);

        var answer = Assert.IsType<ObjectResult>(await function.Run(HttpRequests.Create("POST"), scanId, Ct));
        var status = Assert.IsType<ObjectResult>(await host.Function<GetScanStatus>().Run(HttpRequests.Create("GET"), scanId, Ct));

        var problem = Assert.IsType<ProblemDetails>(answer.Value);
        var statusProblem = Assert.IsType<ProblemDetails>(status.Value);
        Assert.Equal((500, Http.Problems.UnreadableJobRecordType), (answer.StatusCode, problem.Type));
        Assert.Equal((statusProblem.Title, statusProblem.Detail), (problem.Title, problem.Detail));
        Assert.DoesNotContain("qzxw", problem.Detail, StringComparison.Ordinal);
        var error = Assert.Single(log.Entries, e => e.Level == LogLevel.Error);
        Assert.Contains(scanId, error.Message, StringComparison.Ordinal);
        Assert.Contains("State", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("qzxw", error.Message, StringComparison.Ordinal);
        Assert.Equal("Paused", (await host.JobsTable.GetEntityAsync<TableEntity>(scanId, "v1", cancellationToken: Ct)).Value.GetString("State"));
    }

    [Fact]
    public async Task Retry_failed_skips_an_unreadable_record_with_a_warning_and_retries_the_others_even_in_the_same_scan()
    {
        // The unreadable record is left out of the listing; a readable Failed record of a scan that also holds an
        // unreadable one (another model version) reaches intake, which must answer it rather than stop the whole call.
        await using var host = await TestHost.CreateAsync(azurite);
        var unreadable = await host.FailedUploadAsync();
        var beside = await host.FailedUploadAsync();
        var fine = await host.FailedUploadAsync();
        await host.WriteUnreadableJobRecordAsync(unreadable, "v1", new() { ["Origin"] = "Replay" });
        await host.WriteUnreadableJobRecordAsync(beside, "v0", new() { ["State"] = "Paused", ["CreatedAt"] = DateTimeOffset.UtcNow });
        var log = new CapturingLogger<FailedUploadRetryService>();
        var retries = new FailedUploadRetryService(host.Jobs, host.Get<ScanRetryService>(), host.Get<IOptions<IntakeOptions>>(), TimeProvider.System, log);

        var result = await retries.RunAsync(new FailedUploadRetryRequest(["StorageUnavailable"], null, null, DryRun: false), Ct);

        Assert.Equal([fine], result.ScanIds);
        Assert.Equal(1, result.Outcomes[nameof(RetryOutcome.NotTakenIn)]);
        Assert.Equal(JobState.Queued, (await host.Jobs.GetAsync(fine, "v1", Ct))!.State);
        Assert.Equal(JobState.Failed, (await host.Jobs.GetAsync(beside, "v1", Ct))!.State);
        var warning = Assert.Single(log.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains(unreadable, warning.Message, StringComparison.Ordinal);
        Assert.Contains("Origin", warning.Message, StringComparison.Ordinal);
    }
}
