using Microsoft.AspNetCore.Mvc;
using Synomaly.Contracts;
using Synomaly.Functions.Services.Status;
using Synomaly.Functions.Triggers;
using Synomaly.Storage.Jobs;
using Synomaly.Storage.Messaging;
using Synomaly.Testing;

namespace Synomaly.Functions.Tests;

/// <summary><c>POST /api/scans/{scanId}/retry</c>: only Failed uploads go through intake again.</summary>
[Trait("Category", "Integration")]
public sealed class RetryApiTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>An upload taken in by intake whose job the worker then failed (here: storage outages outlasted its attempts).</summary>
    private static async Task<string> FailedUploadAsync(TestHost host, string errorCode = "StorageUnavailable")
    {
        var scanId = ScanBytes.NewScanId();
        await host.Function<ScanUploadedPolling>().Run(await host.UploadScanAsync($"{scanId}/scan.png", ScanBytes.Png()), Ct);
        var queued = await host.Jobs.GetAsync(scanId, "v1", Ct);
        var processing = (await host.Jobs.TransitionAsync(queued!, JobState.Processing, r => r with { Attempts = 5 }, Ct)).Record!;
        await host.Jobs.TransitionAsync(processing, JobState.Failed, r => r with { ErrorCode = errorCode, ErrorMessage = "Gave up after 5 attempts." }, Ct);
        return scanId;
    }

    [Fact]
    public async Task A_failed_upload_is_queued_again_and_published_once_more()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = await FailedUploadAsync(host);

        var answer = await host.Function<RetryScan>().Run(HttpRequests.Create("POST"), scanId, Ct);
        var again = await host.Function<RetryScan>().Run(HttpRequests.Create("POST"), scanId, Ct);

        var accepted = Assert.IsType<AcceptedResult>(answer);
        Assert.Equal($"/api/scans/{scanId}", accepted.Location);
        var status = Assert.IsType<ScanStatus>(accepted.Value);
        Assert.Equal((JobState.Queued, null), (status.State, status.Error));
        var messages = host.Get<InMemoryScanJobPublisher>().Published.Where(p => p.Job.ScanId == scanId).Select(p => p.Job.MessageId).ToList();
        Assert.Equal(2, messages.Count);
        // A new message id: Service Bus would drop a repeat of the failed attempt's id inside its duplicate-detection window.
        Assert.NotEqual(messages[0], messages[1]);
        Assert.StartsWith(messages[0] + ":r", messages[1], StringComparison.Ordinal);
        Assert.Equal(messages[1], (await host.Jobs.GetAsync(scanId, "v1", Ct))!.MessageId);
        // The job is Queued now: a second retry finds nothing to retry and publishes nothing.
        Assert.Equal(409, Assert.IsType<ObjectResult>(again).StatusCode);
        Assert.Equal(2, host.Get<InMemoryScanJobPublisher>().Published.Count(p => p.Job.ScanId == scanId));
    }

    [Fact]
    public async Task Unknown_succeeded_archive_and_vanished_scans_are_refused_with_the_reason()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var queued = ScanBytes.NewScanId();
        await host.Function<ScanUploadedPolling>().Run(await host.UploadScanAsync($"{queued}/scan.png", ScanBytes.Png()), Ct);
        var archive = "a-" + ScanBytes.NewScanId();
        await host.Jobs.CreateAsync(new JobRecord { ScanId = archive, ModelVersion = "v1", State = JobState.Failed, Origin = JobOrigin.Bulk, ErrorCode = "Malformed" }, Ct);
        var vanished = await FailedUploadAsync(host);
        await host.Blobs.GetBlobContainerClient(BlobLayout.ScansContainer).GetBlobClient($"{vanished}/scan.png").DeleteAsync(cancellationToken: Ct);

        int Status(IActionResult result) => Assert.IsType<ObjectResult>(result).StatusCode!.Value;
        var retry = host.Function<RetryScan>();

        Assert.Equal(404, Status(await retry.Run(HttpRequests.Create("POST"), ScanBytes.NewScanId(), Ct)));
        Assert.Equal(409, Status(await retry.Run(HttpRequests.Create("POST"), queued, Ct)));
        Assert.Equal(409, Status(await retry.Run(HttpRequests.Create("POST"), archive, Ct)));
        Assert.Equal(404, Status(await retry.Run(HttpRequests.Create("POST"), vanished, Ct)));
        Assert.Equal(400, Status(await retry.Run(HttpRequests.Create("POST"), "not a scan id", Ct)));
        Assert.Single(host.Get<InMemoryScanJobPublisher>().Published, p => p.Job.ScanId == queued);
    }

    [Fact]
    public async Task Without_a_retry_a_failed_upload_stays_failed_when_intake_sees_it_again()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = await FailedUploadAsync(host);
        var blob = host.Blobs.GetBlobContainerClient(BlobLayout.ScansContainer).GetBlobClient($"{scanId}/scan.png");

        await host.Function<ScanUploadedPolling>().Run(blob, Ct);

        Assert.Equal(JobState.Failed, (await host.Jobs.GetAsync(scanId, "v1", Ct))!.State);
        Assert.Single(host.Get<InMemoryScanJobPublisher>().Published, p => p.Job.ScanId == scanId);
    }
}
