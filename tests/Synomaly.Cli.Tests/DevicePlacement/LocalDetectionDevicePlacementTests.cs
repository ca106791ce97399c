using Synomaly.Cli.Bench;
using Synomaly.Cli.Detection;
using Synomaly.Contracts;
using Synomaly.Diffusion.Inference;
using Synomaly.Diffusion.Model;
using Synomaly.Diffusion.Schedules;
using Synomaly.Imaging.Reading;
using Synomaly.Testing;

namespace Synomaly.Cli.Tests.DevicePlacement;

/// <summary>
/// <c>synomaly detect</c>'s model calls (a scan's slices in batches into tensors, the detector, the maps read back) make no
/// tensor without naming its device (see <see cref="ImplicitDeviceTrap"/>) and write the untrapped results to the bit. The
/// model is built outside the trap, as the command loads it on the CPU before moving it.
/// </summary>
[Collection(ImplicitDeviceCollection.Name)]
public sealed class LocalDetectionDevicePlacementTests : IDisposable
{
    private const int Size = 32;

    private readonly string root = Directory.CreateTempSubdirectory("synomaly-detect-trap-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public void A_scan_s_detection_makes_no_tensor_off_the_model_device()
    {
        using var model = new UNet(BenchModel.Smoke);
        SeededWeights.Fill(model, 5);
        using var diffusion = new GaussianDiffusion(BetaSchedule.Cosine);
        var options = InferenceOptions.Adaptive(250, 5, 0.2) with { MinComponentSize = 4, Seed = 3 };
        var detection = new LocalScanDetection(new AnomalyDetector(model, diffusion), new DetectionSettings("tiny", "1", "default", options, Size, BatchSize: 2, ModalityHint.BrainMri));
        string scan = ScanFiles.IxiSlice(0);
        string trapped = Path.Combine(root, "trapped"), plain = Path.Combine(root, "plain");

        // Trapped first, so that the detector's first call (the schedule's tables reach the device) is trapped too.
        ImplicitDeviceTrap.Run(() => detection.Run(scan, trapped, (_, _) => { }, TestContext.Current.CancellationToken));
        detection.Run(scan, plain, (_, _) => { }, TestContext.Current.CancellationToken);

        foreach (string file in new[] { "anomaly-map.nii.gz", "mask.nii.gz", "counterfactual.nii.gz" })
        {
            Assert.Equal(ScanReader.ReadFile(Path.Combine(plain, file)).Voxels, ScanReader.ReadFile(Path.Combine(trapped, file)).Voxels);
        }

        Assert.Equal(File.ReadAllText(Path.Combine(plain, "inference.json")), File.ReadAllText(Path.Combine(trapped, "inference.json")));
    }
}
