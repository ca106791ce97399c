using Synomaly.Cli.Local;
using Synomaly.Contracts;
using Synomaly.Storage.Local;
using Synomaly.Testing;

namespace Synomaly.Cli.Tests;

/// <summary>
/// The README's main command end to end: Azurite, the trigger host and the worker as real processes, the committed sample
/// scans uploaded, every job followed to its end. Uses a tiny random-weight model so it runs in CI in about a minute;
/// the heatmaps are meaningless, the pipeline is real.
/// </summary>
public sealed class LocalPipelineEndToEndTests
{
    [Fact]
    public async Task Every_sample_ends_succeeded_with_results_and_the_bad_ones_fail_with_the_reasons_their_names_give()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        string work = Path.Combine(Path.GetTempPath(), "synomaly-e2e-" + Guid.NewGuid().ToString("N"));
        // A brain MRI card, as the demo model's: the CT sample must then fail as a modality mismatch.
        string modelDir = TinyModelPackage.Save(Path.Combine(work, "model"), "e2e-tiny", ModalityNames.BrainMri);
        var samples = Directory.GetFiles(Path.Combine(TestPaths.RepositoryRoot, "samples"), "*", SearchOption.AllDirectories).Where(DemoRun.IsScan).Order(StringComparer.Ordinal).ToList();
        Assert.True(samples.Count >= 5, "samples/ must hold a DICOM, a NIfTI and a PNG at least");
        string logs = Path.Combine(work, "logs");
        await PipelineLogTails.RunAsync(logs, async () =>
        {
            await using (var pipeline = await LocalPipeline.StartAsync(
                new LocalPipelineSettings
                {
                    RepositoryRoot = TestPaths.RepositoryRoot,
                    ModelDirectory = modelDir,
                    LogDirectory = logs,
                    Device = "cpu",
                    AzuriteEnvironment = AzuriteScript.IsolatedEnvironment(Path.Combine(work, "azurite")),
                },
                cancellationToken))
            {
                Assert.Equal(LocalPipeline.CpuMaxBatchImages, pipeline.WorkerSettings["Worker__MaxBatchSize"]);
                var run = new DemoRun(pipeline);
                var jobs = await run.UploadAsync(samples, cancellationToken);
                await run.WaitAsync(jobs, TimeSpan.FromMinutes(8), _ => { }, cancellationToken);
                await run.DownloadAsync(jobs, Path.Combine(work, "out"), cancellationToken);

                Assert.Empty(DemoVerdict.Problems(jobs));
                Assert.Equal(2, jobs.Count(j => j.ExpectedFailure));
                Assert.All(jobs.Where(j => !j.ExpectedFailure), job => Assert.True(job.Slices >= 1, $"{Path.GetFileName(job.File)} has no slices"));

                Assert.Contains(jobs, j => j.File.EndsWith(".nii.gz", StringComparison.Ordinal) && j.Slices > 1);
                string heatmap = Path.Combine(work, "out", "colin27-lesion-a", BlobLayout.HeatmapFile);
                Assert.True(File.Exists(heatmap), "the heatmap of a PNG sample was downloaded");
            }
        });

        Directory.Delete(work, recursive: true);
    }
}
