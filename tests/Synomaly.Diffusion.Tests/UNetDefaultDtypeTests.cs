using Synomaly.Diffusion.Model;
using Synomaly.Diffusion.Schedules;
using Synomaly.Diffusion.Training;
using Synomaly.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Tests;

/// <summary>
/// The UNet and its training stay float32 whatever libtorch's default dtype: a process that set float64 (as PyTorch users
/// do with torch.set_default_dtype, for a numerical check) would otherwise build float64 weights, twice the memory, which
/// the float32 inputs and checkpoints then fail to match. The default is one setting for the whole process, so these tests
/// run alone, in the collection the default-device trap uses for the same reason.
/// </summary>
[Collection(ImplicitDeviceCollection.Name)]
public sealed class UNetDefaultDtypeTests
{
    private static readonly UNetConfig Smallest = new()
    {
        ImageSize = 8,
        ModelChannels = 32,
        ChannelMult = "1",
        NumResBlocks = 1,
        AttentionResolutions = "1",
        NumHeadChannels = 32,
    };

    [Fact]
    public void A_unet_built_while_float64_is_the_default_holds_float32_parameters_and_buffers()
    {
        using var model = WithDefaultDtype(ScalarType.Float64, () => new UNet(Smallest));

        Assert.All(model.named_parameters(), p => Assert.True(p.parameter.dtype == ScalarType.Float32, $"{p.name} is {p.parameter.dtype}"));
        Assert.All(model.named_buffers(), b => Assert.True(b.buffer.dtype == ScalarType.Float32, $"{b.name} is {b.buffer.dtype}"));
    }

    [Fact]
    public void A_training_step_taken_while_float64_is_the_default_keeps_everything_float32()
    {
        using var scope = NewDisposeScope();
        var images = (rand([3, 1, Smallest.ImageSize, Smallest.ImageSize], generator: new Generator(7)) * 2) - 1;
        var options = new TrainingOptions { BatchSize = 2, LearningRate = 1e-3, EmaDecay = 0.9, Loss = LossType.Mse, Seed = 8 };

        var (loss, parameters, averages) = WithDefaultDtype(ScalarType.Float64, () =>
        {
            using var model = new UNet(Smallest);
            SeededInitialisation.Apply(model, options.Seed);
            using var diffusion = new GaussianDiffusion(BetaSchedule.Cosine);
            using var trainer = new DiffusionTrainer(model, diffusion, images, options, CPU);
            var step = trainer.RunStep();
            return (step.Loss, model.parameters().Select(p => p.dtype).ToList(), trainer.Ema!.State.Values.Select(s => s.dtype).ToList());
        });

        Assert.True(double.IsFinite(loss));
        Assert.All(parameters, dtype => Assert.Equal(ScalarType.Float32, dtype));
        Assert.All(averages, dtype => Assert.Equal(ScalarType.Float32, dtype));
    }

    private static T WithDefaultDtype<T>(ScalarType dtype, Func<T> operation)
    {
        var previous = get_default_dtype();
        set_default_dtype(dtype);
        try
        {
            return operation();
        }
        finally
        {
            set_default_dtype(previous);
        }
    }
}
