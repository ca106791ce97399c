using Azure.Storage.Blobs;
using Synomaly.Contracts;
using Synomaly.Functions.Services.Intake;
using Synomaly.Storage.Messaging;
using Synomaly.Testing;

namespace Synomaly.Functions.Tests;

/// <summary>
/// Intake queues only uploads the worker reads: the worker takes a job's source only if its URL's blob name is an
/// upload of the job's scan (<see cref="BlobLayout.IsUploadOf"/>), and anything else is dead-lettered as
/// SourceNotAllowed after intake said Queued. Names are as an event or a listing reports them: a client built from the
/// name (here, from a connection string) keeps the name but addresses the URL without its dot segments.
/// </summary>
[Trait("Category", "Integration")]
public sealed class UploadNameParityTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("{0}/.")]
    [InlineData("{0}/..")]
    [InlineData("{0}/x/../scan.dcm")]
    [InlineData("{0}/./scan.dcm")]
    public async Task A_name_with_a_dot_segment_is_no_upload_and_is_neither_read_nor_recorded_nor_queued(string pattern)
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = ScanBytes.NewScanId();
        // What the URLs of those names address: the blob named by the scan id alone, and the scan's real upload.
        await host.UploadScanAsync(scanId, ScanBytes.Dicom());
        await host.UploadScanAsync($"{scanId}/scan.dcm", ScanBytes.Dicom());
        var blob = new BlobClient(host.ConnectionString, BlobLayout.ScansContainer, string.Format(System.Globalization.CultureInfo.InvariantCulture, pattern, scanId));

        var result = await host.Get<ScanIntakeService>().ProcessAsync(blob, Ct);

        Assert.Equal((IntakeOutcome.Rejected, IntakeRejectionCode.InvalidScanId, null), (result.Outcome, result.Rejection, result.ScanId));
        Assert.Empty(host.Get<InMemoryScanJobPublisher>().Published);
        // No record for the scan: a rejection filed under it would fail its real upload's job.
        Assert.Null(await host.Jobs.GetAsync(scanId, "v1", Ct));
    }

    [Theory]
    [InlineData("{0}/scan.dcm", true)]
    [InlineData("{0}/a/b", false)]
    [InlineData("{0}/", false)]
    [InlineData("{0}/.", false)]
    [InlineData("{0}/..", false)]
    [InlineData("{0}/x/../scan.dcm", false)]
    public async Task Every_job_intake_queues_names_a_source_the_worker_reads_for_its_scan(string pattern, bool queued)
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = ScanBytes.NewScanId();
        var name = string.Format(System.Globalization.CultureInfo.InvariantCulture, pattern, scanId);
        await host.UploadScanAsync(scanId, ScanBytes.Dicom());
        await host.UploadScanAsync($"{scanId}/scan.dcm", ScanBytes.Dicom());
        if (!name.Contains("/.", StringComparison.Ordinal))
        {
            await host.UploadScanAsync(name, ScanBytes.Dicom());
        }

        await host.Get<ScanIntakeService>().ProcessAsync(new BlobClient(host.ConnectionString, BlobLayout.ScansContainer, name), Ct);

        var published = host.Get<InMemoryScanJobPublisher>().Published;
        Assert.Equal(queued, published.Count == 1);
        Assert.All(published, p => Assert.True(BlobLayout.IsUploadOf(p.Job.ScanId, new BlobUriBuilder(p.Job.SourceBlobUri).BlobName)));
    }
}
