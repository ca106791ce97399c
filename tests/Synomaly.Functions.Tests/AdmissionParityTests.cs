using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Synomaly.Contracts;
using Synomaly.Functions.Services.Bulk;
using Synomaly.Functions.Services.Intake;
using Synomaly.Storage.Messaging;
using Synomaly.Testing;

namespace Synomaly.Functions.Tests;

/// <summary>
/// Intake and bulk reprocessing refuse the same stored files with the same typed code, the admission rule's. Before,
/// bulk checked only size, so an archive file in the Archive tier was published, failed its download on the worker
/// (409 BlobArchived) on every delivery and was given up.
/// </summary>
[Trait("Category", "Integration")]
public sealed class AdmissionParityTests(AzuriteFixture azurite)
{
    private const long Limit = 4096;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(StoredAs.ArchiveTier, IntakeRejectionCode.Archived)]
    [InlineData(StoredAs.AppendBlob, IntakeRejectionCode.UnsupportedBlobType)]
    [InlineData(StoredAs.PageBlob, IntakeRejectionCode.UnsupportedBlobType)]
    [InlineData(StoredAs.Empty, IntakeRejectionCode.Empty)]
    [InlineData(StoredAs.TooLarge, IntakeRejectionCode.TooLarge)]
    public async Task An_upload_and_an_archive_file_stored_alike_are_both_refused_with_the_rules_code(StoredAs stored, IntakeRejectionCode expected)
    {
        await using var host = await TestHost.CreateAsync(azurite, new() { ["Intake:MaxScanBytes"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture) }, steps: new CapturingSteps());
        var scanId = ScanBytes.NewScanId();
        var upload = await StoreAsync(host.Blobs.GetBlobContainerClient(BlobLayout.ScansContainer), $"{scanId}/scan.dcm", stored);
        var prefix = $"t{Guid.NewGuid():N}/";
        var archive = host.Blobs.GetBlobContainerClient(BlobLayout.ArchiveContainer);
        var archived = await StoreAsync(archive, prefix + "patient/scan.dcm", stored);
        var listed = await archive.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, Ct).SingleAsync(Ct);

        var intake = await host.Get<ScanIntakeService>().ProcessAsync(upload, Ct);
        var bulk = host.Get<BulkReprocessService>();
        var run = await bulk.StartAsync(new BulkRunRequest(prefix, null, false), Ct);
        var done = (await bulk.RunStepAsync(run.RunId, TimeSpan.FromHours(1), Ct)).Run!;

        Assert.Equal(expected, new ScanAdmissionRule(Limit).Check(listed.Properties.BlobType, listed.Properties.AccessTier, listed.Properties.ContentLength));
        Assert.Equal(expected, intake.Rejection);
        Assert.Equal((1L, 0L, 0L, 1L), (done.Listed, done.Published, done.Skipped, done.Rejected));
        Assert.Empty(host.Get<InMemoryScanJobPublisher>().Published);
        var record = (await host.Jobs.GetAsync(await host.ArchiveScanIdAsync(listed.Name), "v1", Ct))!;
        Assert.Equal((JobState.Failed, expected.ToString(), JobOrigin.Bulk), (record.State, record.ErrorCode, record.Origin));
        Assert.Equal(expected.ToString(), (await host.Jobs.GetAsync(scanId, "v1", Ct))!.ErrorCode);
        // The archive is its owner's: a refused file stays where it is.
        Assert.True(await archived.ExistsAsync(Ct));
    }

    [Fact]
    public async Task A_dry_run_counts_an_archive_tier_file_as_rejected_without_writing_a_record()
    {
        await using var host = await TestHost.CreateAsync(azurite, steps: new CapturingSteps());
        var prefix = $"t{Guid.NewGuid():N}/";
        var archive = host.Blobs.GetBlobContainerClient(BlobLayout.ArchiveContainer);
        await StoreAsync(archive, prefix + "cold.dcm", StoredAs.ArchiveTier);
        await archive.UploadBlobAsync(prefix + "warm.dcm", BinaryData.FromBytes(ScanBytes.Dicom()), Ct);
        var bulk = host.Get<BulkReprocessService>();

        var run = await bulk.StartAsync(new BulkRunRequest(prefix, null, DryRun: true), Ct);
        var done = (await bulk.RunStepAsync(run.RunId, TimeSpan.FromHours(1), Ct)).Run!;

        Assert.Equal((2L, 1L, 0L, 1L), (done.Listed, done.Published, done.Skipped, done.Rejected));
        Assert.Null(await host.Jobs.GetAsync(await host.ArchiveScanIdAsync(prefix + "cold.dcm"), "v1", Ct));
    }

    /// <summary>A DICOM-like file at <paramref name="name"/>, stored as <paramref name="stored"/> says.</summary>
    private static async Task<BlobClient> StoreAsync(BlobContainerClient container, string name, StoredAs stored)
    {
        var blob = container.GetBlobClient(name);
        switch (stored)
        {
            case StoredAs.ArchiveTier:
                await blob.UploadAsync(BinaryData.FromBytes(ScanBytes.Dicom()), new BlobUploadOptions { AccessTier = AccessTier.Archive }, Ct);
                break;
            case StoredAs.AppendBlob:
                var append = container.GetAppendBlobClient(name);
                await append.CreateAsync(cancellationToken: Ct);
                await append.AppendBlockAsync(new MemoryStream(ScanBytes.Dicom()), cancellationToken: Ct);
                break;
            case StoredAs.PageBlob:
                // Page blobs are written in whole 512-byte pages.
                var page = container.GetPageBlobClient(name);
                var content = new byte[((ScanBytes.Dicom().Length / 512) + 1) * 512];
                ScanBytes.Dicom().CopyTo(content, 0);
                await page.CreateAsync(content.Length, cancellationToken: Ct);
                await page.UploadPagesAsync(new MemoryStream(content), 0, cancellationToken: Ct);
                break;
            case StoredAs.Empty:
                await blob.UploadAsync(BinaryData.FromBytes([]), Ct);
                break;
            case StoredAs.TooLarge:
                var large = new byte[Limit + 1];
                ScanBytes.Dicom().CopyTo(large, 0);
                await blob.UploadAsync(BinaryData.FromBytes(large), Ct);
                break;
        }

        return blob;
    }
}

/// <summary>How a test stores a scan file that the admission rule refuses.</summary>
public enum StoredAs
{
    ArchiveTier,
    AppendBlob,
    PageBlob,
    Empty,
    TooLarge,
}
