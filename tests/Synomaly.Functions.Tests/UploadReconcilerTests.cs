using Synomaly.Contracts;
using Synomaly.Functions.Services.Intake;
using Synomaly.Functions.Triggers;
using Synomaly.Storage.Messaging;
using Synomaly.Testing;

namespace Synomaly.Functions.Tests;

/// <summary>
/// The safety net for lost blob events. The scans container is shared with other tests, so assertions look at this test's
/// scan ids only (other uploads may be swept into this host's own job table, which nobody else reads).
/// </summary>
[Trait("Category", "Integration")]
public sealed class UploadReconcilerTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_upload_whose_event_was_lost_is_submitted_by_the_next_sweep_and_only_once()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow.AddMinutes(10));
        await using var host = await TestHost.CreateAsync(azurite, clock: clock);
        var scanId = ScanBytes.NewScanId();
        await host.UploadScanAsync($"{scanId}/scan.dcm", ScanBytes.Dicom());

        var first = await host.Get<UploadReconciler>().RunAsync(Ct);
        var second = await host.Get<UploadReconciler>().RunAsync(Ct);

        Assert.Contains(scanId, first.Resubmitted);
        Assert.DoesNotContain(scanId, second.Resubmitted);
        Assert.Single(host.Get<InMemoryScanJobPublisher>().Published, p => p.Job.ScanId == scanId);
        Assert.Equal(JobState.Queued, (await host.Jobs.GetAsync(scanId, "v1", Ct))!.State);
    }

    [Fact]
    public async Task Uploads_that_went_through_intake_queued_or_rejected_are_left_alone()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow.AddMinutes(10));
        await using var host = await TestHost.CreateAsync(azurite, clock: clock);
        var queued = ScanBytes.NewScanId();
        var rejected = ScanBytes.NewScanId();
        await host.Function<ScanUploadedPolling>().Run(await host.UploadScanAsync($"{queued}/scan.png", ScanBytes.Png()), Ct);
        await host.Function<ScanUploadedPolling>().Run(await host.UploadScanAsync($"{rejected}/scan.png", ScanBytes.Text()), Ct);

        var sweep = await host.Get<UploadReconciler>().RunAsync(Ct);

        Assert.DoesNotContain(queued, sweep.Resubmitted);
        Assert.DoesNotContain(rejected, sweep.Resubmitted);
        Assert.Single(host.Get<InMemoryScanJobPublisher>().Published, p => p.Job.ScanId == queued);
        Assert.Equal(JobState.Failed, (await host.Jobs.GetAsync(rejected, "v1", Ct))!.State);
    }

    [Fact]
    public async Task An_upload_younger_than_the_grace_period_is_left_to_its_trigger_until_it_is_older()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var host = await TestHost.CreateAsync(azurite, new() { ["Intake:ReconcileGraceSeconds"] = "60" }, clock: clock);
        var scanId = ScanBytes.NewScanId();
        await host.UploadScanAsync($"{scanId}/scan.dcm", ScanBytes.Dicom());

        await host.Function<ReconcileUploads>().Run(new Microsoft.Azure.Functions.Worker.TimerInfo(), Ct);
        var early = await host.Jobs.GetAsync(scanId, "v1", Ct);
        clock.Now = clock.Now.AddMinutes(2);
        var later = await host.Get<UploadReconciler>().RunAsync(Ct);

        Assert.Null(early);
        Assert.Contains(scanId, later.Resubmitted);
    }

    [Fact]
    public async Task An_upload_older_than_the_lookback_window_is_not_looked_up_again()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow.AddHours(3));
        await using var host = await TestHost.CreateAsync(azurite, new() { ["Intake:ReconcileLookbackHours"] = "1" }, clock: clock);
        var scanId = ScanBytes.NewScanId();
        await host.UploadScanAsync($"{scanId}/scan.dcm", ScanBytes.Dicom());

        var sweep = await host.Get<UploadReconciler>().RunAsync(Ct);

        Assert.DoesNotContain(scanId, sweep.Resubmitted);
        Assert.Null(await host.Jobs.GetAsync(scanId, "v1", Ct));
    }
}
