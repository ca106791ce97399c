using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Synomaly.Cli.Local;
using Synomaly.Contracts;
using Synomaly.Storage.Jobs;
using Synomaly.Testing;

namespace Synomaly.Cli.Tests;

/// <summary>
/// How `synomaly demo` names its uploads and which job records it takes for them, on a real Azurite. The demo reuses an
/// Azurite it finds running (`demo --keep`, `up --keep`, `scripts/azurite.sh start`, or one a killed demo left behind), so
/// the job table may already hold the records of an earlier run.
/// </summary>
public sealed class DemoRunTests(AzuriteFixture azurite)
{
    private const string ModelVersion = "demo-v8";

    private sealed class HostGoneException : Exception;

    [Fact]
    public async Task A_rerun_on_an_azurite_kept_from_an_earlier_run_waits_for_its_own_jobs_not_the_earlier_runs_records()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        string connection = await ProvisionedAccountAsync(cancellationToken);
        byte[] scan = [0x89, 0x50, 0x4E, 0x47, 1, 2, 3];
        var earlier = new DemoRun(connection, ModelVersion, () => { });
        string earlierId = await earlier.UploadAsync(scan, ".png", cancellationToken);
        // What the earlier run's intake and worker left: its job Succeeded, with results. Intake skips an unchanged
        // re-upload of a scan that succeeded (SameContentSucceeded), so this record would stay as it is.
        var store = new JobStore(new TableServiceClient(connection));
        await store.CreateAsync(new JobRecord { ScanId = earlierId, ModelVersion = ModelVersion, State = JobState.Succeeded, CreatedAt = DateTimeOffset.UtcNow, FinishedAt = DateTimeOffset.UtcNow, ResultPrefix = "results/earlier/" }, cancellationToken);

        // The re-run's hosts stay silent (no intake runs here): the second look at the jobs ends the wait.
        int looks = 0;
        var rerun = new DemoRun(connection, ModelVersion, () =>
        {
            if (++looks == 2)
            {
                throw new HostGoneException();
            }
        });
        var job = new DemoJob(await rerun.UploadAsync(scan, ".png", cancellationToken), "samples/colin27-healthy.png");

        await Assert.ThrowsAsync<HostGoneException>(() => rerun.WaitAsync([job], TimeSpan.FromMinutes(20), _ => { }, cancellationToken));
        Assert.Equal((JobState.Queued, null), (job.State, job.ResultPrefix));
        Assert.NotEqual(earlierId, job.ScanId);
    }

    [Fact]
    public async Task Within_one_run_the_same_bytes_get_the_same_valid_scan_id_and_other_bytes_another()
    {
        // The reliability suite uploads the first scan's bytes again and expects the same scan id (a duplicate upload).
        var cancellationToken = TestContext.Current.CancellationToken;
        var run = new DemoRun(await ProvisionedAccountAsync(cancellationToken), ModelVersion, () => { });

        string first = await run.UploadAsync([1, 2, 3], ".png", cancellationToken);
        string again = await run.UploadAsync([1, 2, 3], ".png", cancellationToken);
        string other = await run.UploadAsync([4, 5, 6], ".png", cancellationToken);

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
        Assert.True(BlobLayout.IsValidScanId(first), first);
    }

    [Fact]
    public async Task A_rerun_into_the_same_out_folder_leaves_no_earlier_results_beside_a_samples_new_outcome()
    {
        // out/demo/ is kept between runs: a sample that failed this time must not show the heatmap and report of an
        // earlier run that succeeded, and a sample that succeeded must show only this run's files.
        var cancellationToken = TestContext.Current.CancellationToken;
        string connection = await ProvisionedAccountAsync(cancellationToken);
        using var output = new ScratchDirectory("synomaly-demo-out");
        foreach (var sample in new[] { "colin27-healthy", "colin27-lesion-a" })
        {
            Directory.CreateDirectory(Path.Combine(output.Location, sample, "slices"));
            await File.WriteAllTextAsync(Path.Combine(output.Location, sample, BlobLayout.ReportFile), "{\"slices\":[]}", cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(output.Location, sample, "slices", "earlier-overlay.png"), "earlier", cancellationToken);
        }

        var results = new BlobServiceClient(connection).GetBlobContainerClient(BlobLayout.ResultsContainer);
        await results.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await results.UploadBlobAsync("results/now/" + BlobLayout.ReportFile, BinaryData.FromString("{\"slices\":[{\"score\":7}]}"), cancellationToken);
        var failed = new DemoJob("demo-failed", "samples/colin27-healthy.png") { State = JobState.Failed, Error = "Truncated: cut short" };
        var succeeded = new DemoJob("demo-succeeded", "samples/colin27-lesion-a.png") { State = JobState.Succeeded, ResultPrefix = "results/now/" };

        await new DemoRun(connection, ModelVersion, () => { }).DownloadAsync([failed, succeeded], output.Location, cancellationToken);

        Assert.False(Directory.Exists(Path.Combine(output.Location, "colin27-healthy")), "the failed sample kept an earlier run's results");
        Assert.Equal(
            [BlobLayout.ReportFile],
            Directory.GetFiles(Path.Combine(output.Location, "colin27-lesion-a"), "*", SearchOption.AllDirectories).Select(Path.GetFileName));
        Assert.Equal((1, 7.0), (succeeded.Slices, succeeded.TopScore));
    }

    /// <summary>A storage account of this test's own with the scans container and the jobs table.</summary>
    private async Task<string> ProvisionedAccountAsync(CancellationToken cancellationToken)
    {
        string connection = azurite.PrivateAccountConnectionString();
        await new BlobServiceClient(connection).GetBlobContainerClient(BlobLayout.ScansContainer).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await new TableServiceClient(connection).CreateTableIfNotExistsAsync(BlobLayout.JobsTable, cancellationToken);
        return connection;
    }
}
