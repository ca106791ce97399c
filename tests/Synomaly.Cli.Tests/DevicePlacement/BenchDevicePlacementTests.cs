using Synomaly.Cli.Bench;
using Synomaly.Diffusion.Model;
using Synomaly.Diffusion.Schedules;
using Synomaly.Testing;
using static TorchSharp.torch;

namespace Synomaly.Cli.Tests.DevicePlacement;

/// <summary>
/// The bench's own tensors (seeded weights, synthetic slices, batches, the parity check's noise) are drawn and kept on the
/// CPU, from CPU generators, and moved to the device by name: none is made on the default device (see
/// <see cref="ImplicitDeviceTrap"/>), where a CPU generator would be refused on CUDA.
/// </summary>
[Collection(ImplicitDeviceCollection.Name)]
public sealed class BenchDevicePlacementTests
{
    [Fact]
    public void Seeded_weights_are_drawn_on_the_cpu_whatever_the_default_device()
    {
        using var trapped = new UNet(BenchModel.Smoke);
        using var plain = new UNet(BenchModel.Smoke);

        ImplicitDeviceTrap.Run(() => SeededWeights.Fill(trapped, 5));
        SeededWeights.Fill(plain, 5);

        foreach (var ((_, expected), (_, actual)) in plain.named_parameters().Zip(trapped.named_parameters()))
        {
            ImplicitDeviceTrap.AssertSame(expected, actual);
        }
    }

    [Fact]
    public void Synthetic_slices_and_their_batches_are_made_on_the_cpu_whatever_the_default_device()
    {
        using var trapped = ImplicitDeviceTrap.Run(() => BenchInputs.Synthetic(3, 32, seed: 7));
        using var plain = BenchInputs.Synthetic(3, 32, seed: 7);

        using var expected = plain.Batch(4, CPU, offset: 1);
        using var actual = ImplicitDeviceTrap.Run(() => trapped.Batch(4, CPU, offset: 1));
        ImplicitDeviceTrap.AssertSame(expected, actual);
    }

    [Fact]
    public void The_parity_check_makes_no_tensor_off_the_device()
    {
        var model = BenchModel.Random(BenchModelKind.Smoke, seed: 5);
        using var unet = model.Create(CPU, BenchVariant.Reference);
        using var diffusion = new GaussianDiffusion(model.Schedule, model.Timesteps);
        // One slice: the check runs the network up to seven times per batch (ε, single stage, up to five adaptive stages).
        using var inputs = BenchInputs.Synthetic(1, model.ImageSize, seed: 7);
        var check = new ParityCheck(model, diffusion, CPU, batchSize: 1, seed: 11);

        var trapped = ImplicitDeviceTrap.Run(() => check.Run(unet, inputs, 1, TestContext.Current.CancellationToken));
        var plain = check.Run(unet, inputs, 1, TestContext.Current.CancellationToken);

        Assert.Equal(plain.Eps, trapped.Eps);
        Assert.Equal(plain.SingleStageMaps, trapped.SingleStageMaps);
        Assert.Equal(plain.AdaptiveMaps, trapped.AdaptiveMaps);
        Assert.Equal(plain.StagesRun, trapped.StagesRun);
    }
}
