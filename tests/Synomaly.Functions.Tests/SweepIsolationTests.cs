using Azure.Storage.Blobs.Specialized;
using Synomaly.Contracts;
using Synomaly.Functions.Services.Intake;
using Synomaly.Functions.Triggers;
using Synomaly.Testing;

namespace Synomaly.Functions.Tests;

/// <summary>
/// Test classes run in parallel on one Azurite, and the upload reconciliation lists the whole scans container, whose name
/// the product fixes. A sweep on the shared storage account took in the uploads of the tests running beside it, and
/// deleted their append and page blobs half way through those tests; sweeping tests now run on a storage account of their
/// own (<see cref="TestHost"/>, <see cref="AzuriteFixture.PrivateAccountConnectionString"/>).
/// </summary>
[Trait("Category", "Integration")]
public sealed class SweepIsolationTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_reconciliation_sweep_on_its_own_account_leaves_the_uploads_of_other_tests_alone()
    {
        await using var other = await TestHost.CreateAsync(azurite);
        var scanId = ScanBytes.NewScanId();
        var upload = other.Blobs.GetBlobContainerClient(BlobLayout.ScansContainer).GetAppendBlobClient($"{scanId}/scan.png");
        await upload.CreateAsync(cancellationToken: Ct);
        await upload.AppendBlockAsync(new MemoryStream(ScanBytes.Png()), cancellationToken: Ct);
        await using var sweeping = await TestHost.CreateAsync(azurite, clock: new ManualClock(DateTimeOffset.UtcNow.AddMinutes(10)), ownStorageAccount: true);

        var sweep = await sweeping.Get<UploadReconciler>().RunAsync(Ct);

        Assert.DoesNotContain(scanId, sweep.Resubmitted);
        Assert.True(await upload.ExistsAsync(Ct)); // intake deletes an append blob it rejects
    }

    [Fact]
    public async Task A_host_on_the_shared_account_refuses_to_run_the_upload_reconciliation()
    {
        await using var host = await TestHost.CreateAsync(azurite);

        var direct = Assert.Throws<InvalidOperationException>(host.Get<UploadReconciler>);
        var timer = Assert.Throws<InvalidOperationException>(host.Function<ReconcileUploads>);

        Assert.Contains("ownStorageAccount", direct.Message, StringComparison.Ordinal);
        Assert.Equal(direct.Message, timer.Message);
    }
}
