using Synomaly.Diffusion.Inference;
using Synomaly.Diffusion.Schedules;
using Synomaly.Diffusion.Weights;
using Synomaly.Testing;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Tests.DevicePlacement;

/// <summary>
/// The whole detection, as the worker runs it with the demo model (every mode, every fusion, several noise draws, the
/// normative threshold and its head gate), creates every tensor on the model's device (see <see cref="ImplicitDeviceTrap"/>)
/// and gives the same result. On the CPU the component filter is the host flood fill; the accelerator's filter is
/// checked in <see cref="NoiseAndMapDevicePlacementTests"/>.
/// </summary>
[Collection(ImplicitDeviceCollection.Name)]
public sealed class DetectorDevicePlacementTests
{
    [Theory]
    [InlineData("profile")]
    [InlineData("binary-fusion")]
    [InlineData("notebook-fusion")]
    [InlineData("no-fusion")]
    [InlineData("fixed-stages")]
    [InlineData("single-stage")]
    public void Detection_makes_no_tensor_off_the_model_device(string variant)
    {
        var (model, card) = ModelPackage.Load(DevicePlacementInputs.DemoModelDirectory, CPU);
        using var _ = model;
        // Three stages are enough for slices to stop apart and leave the batch; the profile allows five.
        var profile = card.Profile().ToOptions(seed: 21) with { MaxStages = 3 };
        // The other fusions without the profile's normative threshold and draws, which "profile" covers: a quarter of the work.
        var adaptive = profile with { NormativeThreshold = null, NoiseDraws = 1 };
        var options = variant switch
        {
            "profile" => profile with { RecordStages = true },
            "binary-fusion" => adaptive with { Fusion = FusionMode.Binary },
            "notebook-fusion" => adaptive with { Fusion = FusionMode.Notebook },
            "no-fusion" => adaptive with { Fusion = FusionMode.None },
            "fixed-stages" => InferenceOptions.FixedStages([100, 200], 3, 0.12) with { MinComponentSize = 12, NoiseDraws = 2, Seed = 22, RecordStages = true },
            _ => InferenceOptions.SingleStage(150, 3, 0.12) with { NoiseSeeding = NoiseSeeding.Batch, Seed = 23 },
        };
        using var slices = DevicePlacementInputs.Slices(2, 64, seed: 24);
        // A fresh diffusion for the trapped run: its tables are copied to the device at the first use.
        using var trappedDiffusion = new GaussianDiffusion(card.Schedule, card.Timesteps);
        using var diffusion = new GaussianDiffusion(card.Schedule, card.Timesteps);
        var cancellation = TestContext.Current.CancellationToken;

        var trapped = ImplicitDeviceTrap.Run(() => new AnomalyDetector(model, trappedDiffusion).Detect(slices, options, cancellationToken: cancellation));

        var expected = new AnomalyDetector(model, diffusion).Detect(slices, options, cancellationToken: cancellation);
        Assert.Equal(expected.Reconstructions, trapped.Reconstructions);
        Assert.Equal(expected.Maps, trapped.Maps);
        Assert.Equal(expected.Scores, trapped.Scores);
        Assert.Equal(expected.StagesRun, trapped.StagesRun);
        Assert.Equal(expected.NormativeFallback, trapped.NormativeFallback);
    }
}
