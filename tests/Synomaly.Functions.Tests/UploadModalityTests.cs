using Synomaly.Contracts;
using Synomaly.Functions.Services.Intake;
using Synomaly.Storage.Messaging;
using Synomaly.Testing;

namespace Synomaly.Functions.Tests;

/// <summary>The modality hint an upload carries in its metadata (x-ms-meta-modality), as intake reads it.</summary>
[Trait("Category", "Integration")]
public sealed class UploadModalityTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("BrainMri", ModalityHint.BrainMri)]
    [InlineData("brain-mri", ModalityHint.BrainMri)]
    [InlineData("liver-ct", ModalityHint.LiverCt)]
    [InlineData("CAROTID-US", ModalityHint.CarotidUltrasound)]
    [InlineData("auto", ModalityHint.Auto)]
    public async Task A_documented_modality_name_is_the_job_s_hint(string value, ModalityHint expected)
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = ScanBytes.NewScanId();
        var blob = await host.UploadScanAsync($"{scanId}/scan.dcm", ScanBytes.Dicom(), new Dictionary<string, string> { [ScanIntakeService.ModalityMetadataKey] = value });

        var result = await host.Get<ScanIntakeService>().ProcessAsync(blob, Ct);

        Assert.Equal(IntakeOutcome.Queued, result.Outcome);
        Assert.Equal(expected, Assert.Single(host.Get<InMemoryScanJobPublisher>().Published).Job.Modality);
    }

    [Theory]
    [InlineData("3")] // a number Enum.TryParse read as CarotidUltrasound
    [InlineData("BrainMri,LiverCt")] // flags 1|2 = 3: CarotidUltrasound as well
    [InlineData("knee-mri")]
    [InlineData("0")]
    public async Task An_unknown_modality_fails_the_job_naming_the_metadata_key_and_publishes_nothing(string value)
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = ScanBytes.NewScanId();
        var blob = await host.UploadScanAsync($"{scanId}/Doe Jane.dcm", ScanBytes.Dicom(), new Dictionary<string, string> { [ScanIntakeService.ModalityMetadataKey] = value });

        var result = await host.Get<ScanIntakeService>().ProcessAsync(blob, Ct);

        Assert.Equal(IntakeOutcome.Rejected, result.Outcome);
        Assert.Equal("UnknownModality", result.Rejection?.ToString());
        var record = (await host.Jobs.GetAsync(scanId, "v1", Ct))!;
        Assert.Equal(JobState.Failed, record.State);
        Assert.Equal("UnknownModality", record.ErrorCode);
        Assert.Contains("x-ms-meta-modality", record.ErrorMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("Doe", record.ErrorMessage, StringComparison.Ordinal);
        Assert.Empty(host.Get<InMemoryScanJobPublisher>().Published);
        Assert.True(await blob.ExistsAsync(Ct)); // kept: the file may be fine, only its label is not
    }
}
