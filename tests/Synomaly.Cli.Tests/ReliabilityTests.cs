using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Azure.Storage.Blobs;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Synomaly.Cli.Local;
using Synomaly.Contracts;
using Synomaly.Diffusion.Inference;
using Synomaly.Diffusion.Model;
using Synomaly.Diffusion.Weights;
using Synomaly.Testing;

namespace Synomaly.Cli.Tests;

/// <summary>
/// The reduced reliability suite of the local pipeline (issue 9) as it runs in CI: a batch of distinct scans with the
/// worker killed and restarted twice at seeded random moments, a duplicate upload and a bad-input corpus. Nothing may be
/// lost or duplicated, and every bad file must end Failed with its reason in the poison queue.
/// </summary>
public sealed class ReliabilityTests
{
    private const int Jobs = 12;

    [Fact]
    public async Task Worker_kills_lose_and_duplicate_nothing_and_bad_inputs_fail_with_their_reason()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        string work = Path.Combine(Path.GetTempPath(), "synomaly-soak-" + Guid.NewGuid().ToString("N"));
        string modelDir = Path.Combine(work, "model");
        using (var model = new UNet(new UNetConfig { ImageSize = 32, ModelChannels = 32, ChannelMult = "1,2", NumResBlocks = 1, AttentionResolutions = "16", NumHeadChannels = 32 }))
        {
            ModelPackage.Save(modelDir, model, new ModelCard
            {
                Name = "soak-tiny",
                Version = "soak-1",
                Architecture = model.Config,
                InferenceProfiles = new Dictionary<string, InferenceProfile> { ["brain-mri"] = new() { Mode = InferenceMode.Adaptive, Timesteps = [100], BlurKernel = 3, Threshold = 0.2, MaxStages = 3, MinComponentSize = 2 } },
                DefaultProfile = "brain-mri",
                Preprocessing = new Preprocessing { ImageSize = 32 },
            });
        }

        string scans = Path.Combine(work, "scans");
        Directory.CreateDirectory(scans);
        using (var healthy = await Image.LoadAsync<L8>(Path.Combine(TestPaths.RepositoryRoot, "samples", "brain-mri", "colin27-healthy.png"), cancellationToken))
        {
            for (int i = 0; i < Jobs; i++)
            {
                // A distinct pixel per job gives each scan its own content and so its own scan id.
                healthy[i, 0] = new L8((byte)(i + 1));
                await healthy.SaveAsPngAsync(Path.Combine(scans, $"scan-{i:D2}.png"), cancellationToken);
            }
        }

        var dicom = await File.ReadAllBytesAsync(Path.Combine(TestPaths.RepositoryRoot, "samples", "brain-mri", "mr-small.dcm"), cancellationToken);
        await File.WriteAllBytesAsync(Path.Combine(scans, "bad-zero-byte.dcm"), [], cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(scans, "bad-wrong-magic.png"), "this is not an image, just text with a png name", cancellationToken);
        await File.WriteAllBytesAsync(Path.Combine(scans, "bad-truncated.dcm"), dicom[..1500], cancellationToken);

        var azurite = new Dictionary<string, string>
        {
            ["AZURITE_DIR"] = Path.Combine(work, "azurite"),
            ["AZURITE_BLOB_PORT"] = FreePort(),
            ["AZURITE_QUEUE_PORT"] = FreePort(),
            ["AZURITE_TABLE_PORT"] = FreePort(),
        };
        var overrides = new Dictionary<string, string> { ["Worker__StorageQueueLockSeconds"] = "3", ["Worker__MaxBatchSize"] = "4" };
        await using var pipeline = await LocalPipeline.StartAsync(TestPaths.RepositoryRoot, modelDir, Path.Combine(work, "logs"), "cpu", azurite, cancellationToken, overrides);
        var run = new DemoRun(pipeline);
        var files = Directory.GetFiles(scans).Order(StringComparer.Ordinal).ToList();
        var jobs = await run.UploadAsync(files, cancellationToken);
        // The same blob uploaded again: one job, not two.
        var duplicate = await run.UploadAsync([files[0]], cancellationToken);

        var random = new Random(20261124);
        int kills = 0;
        var waiting = run.WaitAsync(jobs, TimeSpan.FromMinutes(8), _ => { }, cancellationToken);
        for (int k = 0; k < 2 && !waiting.IsCompleted; k++)
        {
            await Task.WhenAny(waiting, Task.Delay(random.Next(300, 1500), cancellationToken));
            if (!waiting.IsCompleted)
            {
                await pipeline.RestartWorkerAsync(cancellationToken);
                kills++;
            }
        }

        await waiting;
        var blobs = new BlobServiceClient(pipeline.ConnectionString).GetBlobContainerClient(BlobLayout.ResultsContainer);
        int reports = 0;
        await foreach (var blob in blobs.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, null, cancellationToken))
        {
            reports += blob.Name.EndsWith("/" + BlobLayout.ReportFile, StringComparison.Ordinal) ? 1 : 0;
        }

        var good = jobs.Where(j => !Path.GetFileName(j.File).StartsWith("bad-", StringComparison.Ordinal)).ToList();
        var bad = jobs.Except(good).ToList();
        Assert.All(good, j => Assert.True(j.State == JobState.Succeeded, $"{Path.GetFileName(j.File)} ended {j.State}: {j.Error}"));
        Assert.True(kills >= 1, "the worker was never killed: the jobs finished before the first fault");
        Assert.Equal(good.Count, reports);
        Assert.Equal(jobs[0].ScanId, duplicate[0].ScanId);
        Assert.All(bad, j => Assert.Equal(JobState.Failed, j.State));
        Assert.All(bad, j => Assert.False(string.IsNullOrEmpty(j.Error)));
        var codes = bad.Select(j => j.Error!.Split(':')[0]).ToList();
        Assert.Contains("Empty", codes);
        Assert.Contains("UnknownFormat", codes);
        Assert.Contains("Truncated", codes);
        TestContext.Current.SendDiagnosticMessage(string.Create(CultureInfo.InvariantCulture, $"reliability: jobs {jobs.Count}, kills {kills}, lost 0, duplicated {reports - good.Count}, failed with reason {bad.Count}"));
    }

    private static string FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);
    }
}
