using Synomaly.Diffusion.Model;
using Synomaly.Diffusion.Schedules;
using Synomaly.Diffusion.Training;
using Synomaly.Diffusion.Weights;
using Synomaly.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Tests.DevicePlacement;

/// <summary>
/// Every UNet is built on the CPU and moved afterwards, whatever libtorch's default device: a process that set one (as
/// PyTorch users do with torch.set_default_device) would otherwise allocate every parameter there first, and under
/// <see cref="ImplicitDeviceTrap"/> the parameters would be META tensors holding no weights at all. Here whole runs start
/// inside the trap, construction included, and must compute what they compute outside it.
/// </summary>
[Collection(ImplicitDeviceCollection.Name)]
public sealed class ModelConstructionDevicePlacementTests
{
    private static readonly UNetConfig Smallest = DevicePlacementInputs.Tiny with { ImageSize = 8, ChannelMult = "1", AttentionResolutions = "16" };

    [Theory]
    [InlineData(TrainingPrecision.Fp32)]
    [InlineData(TrainingPrecision.Bf16)]
    public void A_model_built_seeded_and_trained_under_the_trap_trains_as_one_built_without_it(TrainingPrecision precision)
    {
        var options = new TrainingOptions { BatchSize = 2, LearningRate = 1e-3, EmaDecay = 0.9, Loss = LossType.Mse, Precision = precision, Seed = 51 };
        using var scope = NewDisposeScope();
        var images = DevicePlacementInputs.Slices(3, Smallest.ImageSize, seed: 52);

        var trapped = ImplicitDeviceTrap.Run(() => BuildAndStep(options, images));
        var plain = BuildAndStep(options, images);

        Assert.Equal(plain.Loss, trapped.Loss);
        Assert.Equal(plain.Weights, trapped.Weights);
    }

    [Fact]
    public void A_model_package_loaded_under_the_trap_holds_the_saved_weights_on_the_cpu()
    {
        using var trapped = ImplicitDeviceTrap.Run(() => ModelPackage.Load(DevicePlacementInputs.DemoModelDirectory, CPU).Model);
        using var plain = ModelPackage.Load(DevicePlacementInputs.DemoModelDirectory, CPU).Model;
        using var scope = NewDisposeScope();
        var x = DevicePlacementInputs.Slices(1, plain.Config.ImageSize, seed: 53);
        var t = tensor(new long[] { 250 });

        Assert.All(trapped.parameters(), p => Assert.Equal(DeviceType.CPU, p.device_type));
        using var inference = inference_mode();
        ImplicitDeviceTrap.AssertSame(plain.call(x, t), trapped.call(x, t));
    }

    [Fact]
    public void A_checkpoint_imported_under_the_trap_holds_its_weights_on_the_cpu()
    {
        static UNet Import()
        {
            using var checkpoint = TorchCheckpointReader.Read(ReferenceFixture.Path("tiny_unet_checkpoint.pt"));
            return CheckpointImporter.BuildModel(checkpoint);
        }

        using var trapped = ImplicitDeviceTrap.Run(Import);
        using var plain = Import();

        using var scope = NewDisposeScope();
        Assert.All(plain.parameters().Zip(trapped.parameters()), pair => ImplicitDeviceTrap.AssertSame(pair.First, pair.Second));
    }

    /// <summary>What a fresh training run does first: build, seed the starting weights, make the trainer, take a step.</summary>
    private static (double Loss, float[] Weights) BuildAndStep(TrainingOptions options, Tensor images)
    {
        using var model = new UNet(Smallest);
        SeededInitialisation.Apply(model, options.Seed);
        using var diffusion = new GaussianDiffusion(BetaSchedule.Cosine);
        using var trainer = new DiffusionTrainer(model, diffusion, images, options, CPU);
        trainer.RunStep();
        Assert.All(model.parameters(), p => Assert.Equal(DeviceType.CPU, p.device_type));
        return (trainer.LossHistory.Single(), [.. model.parameters().SelectMany(p => p.detach().flatten().data<float>().ToArray())]);
    }
}
