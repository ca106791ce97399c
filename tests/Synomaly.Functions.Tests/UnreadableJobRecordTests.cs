using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Synomaly.Contracts;
using Synomaly.Functions.Options;
using Synomaly.Functions.Services.Erasure;
using Synomaly.Functions.Services.Intake;
using Synomaly.Functions.Services.Jobs;
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
        TableClient? table = null;
        await using var host = await TestHost.CreateAsync(azurite, jobStore: (t, time) => new JobStore(table = t, time));
        var scanId = ScanBytes.NewScanId();
        var upload = await host.UploadScanAsync($"{scanId}/scan.png", ScanBytes.Png());
        await host.SucceededJobAsync(scanId);
        await table!.UpsertEntityAsync(new TableEntity(scanId, "v1") { ["State"] = "Paused", ["SourceBlobUri"] = "patient qzxw/scan.dcm" }, TableUpdateMode.Merge, Ct);
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
        Assert.Equal("Paused", (await table.GetEntityAsync<TableEntity>(scanId, "v1", cancellationToken: Ct)).Value.GetString("State"));
    }
}
