using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Synomaly.Functions.Services.Intake;
using Synomaly.Functions.Triggers;
using Synomaly.Storage.Messaging;
using Synomaly.Testing;

namespace Synomaly.Functions.Tests;

/// <summary>The blob trigger and the upload reconciliation when the job table does not exist.</summary>
[Trait("Category", "Integration")]
public sealed class IntakeJobTableMissingTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_blob_event_without_a_job_table_logs_one_error_naming_the_table_completes_and_the_upload_is_taken_in_once_the_table_is_back()
    {
        // The trigger threw the SDK's 404 on every delivery until the event was poisoned, and no log said which table was missing.
        var clock = new ManualClock(DateTimeOffset.UtcNow.AddMinutes(10));
        await using var host = await TestHost.CreateAsync(azurite, clock: clock, ownStorageAccount: true);
        var scanId = ScanBytes.NewScanId();
        var blob = await host.UploadScanAsync($"{scanId}/scan.dcm", ScanBytes.Dicom());
        await host.JobsTable.DeleteAsync(Ct);
        var log = new CapturingLogger<ScanIntakeService>();
        var intake = ActivatorUtilities.CreateInstance<ScanIntakeService>(host.Services, log);

        await new ScanUploaded(intake).Run(blob, Ct);
        await new ScanUploadedPolling(intake).Run(blob, Ct);

        Assert.All(log.Entries, e => Assert.Equal(LogLevel.Error, e.Level));
        Assert.Equal(2, log.Entries.Count);
        Assert.All(log.Entries, e => Assert.Contains($"'{host.JobsTable.Name}'", e.Message, StringComparison.Ordinal));
        Assert.All(log.Entries, e => Assert.Contains("incomplete deployment", e.Message, StringComparison.Ordinal));
        Assert.Empty(host.Get<InMemoryScanJobPublisher>().Published);
        Assert.True(await blob.ExistsAsync(Ct));

        await host.JobsTable.CreateAsync(Ct);
        var sweep = await host.Get<UploadReconciler>().RunAsync(Ct);

        Assert.Contains(scanId, sweep.Resubmitted);
    }

    [Fact]
    public async Task A_reconciliation_sweep_without_a_job_table_stops_with_one_error_naming_the_table_and_keeps_its_place()
    {
        // Each upload failed on its own: a Warning per upload naming only the exception type, and the pass went on to its end.
        var clock = new ManualClock(DateTimeOffset.UtcNow.AddMinutes(10));
        await using var host = await TestHost.CreateAsync(azurite, clock: clock, ownStorageAccount: true);
        await host.UploadScanAsync($"{ScanBytes.NewScanId()}/scan.dcm", ScanBytes.Dicom());
        await host.UploadScanAsync($"{ScanBytes.NewScanId()}/scan.dcm", ScanBytes.Dicom());
        await host.JobsTable.DeleteAsync(Ct);
        var log = new CapturingLogger<UploadReconciler>();
        var reconciler = ActivatorUtilities.CreateInstance<UploadReconciler>(host.Services, log);

        var sweep = await reconciler.RunAsync(Ct);

        Assert.False(sweep.Complete);
        Assert.Empty(sweep.Resubmitted);
        var error = Assert.Single(log.Entries);
        Assert.Equal(LogLevel.Error, error.Level);
        Assert.Contains($"'{host.JobsTable.Name}'", error.Message, StringComparison.Ordinal);
    }
}
