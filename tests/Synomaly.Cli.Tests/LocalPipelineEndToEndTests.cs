using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Synomaly.Cli.Local;
using Synomaly.Contracts;
using Synomaly.Diffusion.Inference;
using Synomaly.Diffusion.Model;
using Synomaly.Diffusion.Weights;
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
    public async Task Every_sample_ends_succeeded_with_results_and_the_truncated_one_fails_with_its_reason()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        string work = Path.Combine(Path.GetTempPath(), "synomaly-e2e-" + Guid.NewGuid().ToString("N"));
        string modelDir = Path.Combine(work, "model");
        using (var model = new UNet(new UNetConfig { ImageSize = 32, ModelChannels = 32, ChannelMult = "1,2", NumResBlocks = 1, AttentionResolutions = "16", NumHeadChannels = 32 }))
        {
            var card = new ModelCard
            {
                Name = "e2e-tiny",
                Version = "e2e-1",
                Architecture = model.Config,
                InferenceProfiles = new Dictionary<string, InferenceProfile> { ["brain-mri"] = new() { Mode = InferenceMode.Adaptive, Timesteps = [100], BlurKernel = 3, Threshold = 0.2, MaxStages = 2, MinComponentSize = 2 } },
                DefaultProfile = "brain-mri",
                Preprocessing = new Preprocessing { ImageSize = 32 },
            };
            ModelPackage.Save(modelDir, model, card);
        }

        var azurite = new Dictionary<string, string>
        {
            ["AZURITE_DIR"] = Path.Combine(work, "azurite"),
            ["AZURITE_BLOB_PORT"] = FreePort(),
            ["AZURITE_QUEUE_PORT"] = FreePort(),
            ["AZURITE_TABLE_PORT"] = FreePort(),
        };
        var samples = Directory.GetFiles(Path.Combine(TestPaths.RepositoryRoot, "samples"), "*", SearchOption.AllDirectories).Where(DemoRun.IsScan).Order(StringComparer.Ordinal).ToList();
        Assert.True(samples.Count >= 5, "samples/ must hold a DICOM, a NIfTI and a PNG at least");
        await using (var pipeline = await LocalPipeline.StartAsync(TestPaths.RepositoryRoot, modelDir, Path.Combine(work, "logs"), "cpu", azurite, cancellationToken))
        {
            var run = new DemoRun(pipeline);
            var jobs = await run.UploadAsync(samples, cancellationToken);
            await run.WaitAsync(jobs, TimeSpan.FromMinutes(8), _ => { }, cancellationToken);
            await run.DownloadAsync(jobs, Path.Combine(work, "out"), cancellationToken);

            foreach (var job in jobs)
            {
                if (job.ExpectedFailure)
                {
                    Assert.Equal(JobState.Failed, job.State);
                    Assert.StartsWith("Truncated", job.Error, StringComparison.Ordinal);
                }
                else
                {
                    Assert.True(job.State == JobState.Succeeded, $"{Path.GetFileName(job.File)} ended {job.State}: {job.Error}");
                    Assert.True(job.Slices >= 1);
                }
            }

            Assert.Contains(jobs, j => j.File.EndsWith(".nii.gz", StringComparison.Ordinal) && j.Slices > 1);
            string heatmap = Path.Combine(work, "out", "colin27-lesion-a", BlobLayout.HeatmapFile);
            Assert.True(File.Exists(heatmap), "the heatmap of a PNG sample was downloaded");
        }

        Directory.Delete(work, recursive: true);
    }

    private static string FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);
    }
}
