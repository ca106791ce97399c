using Synomaly.Diffusion.Model;
using Synomaly.Diffusion.Schedules;
using Synomaly.Diffusion.Training;
using Synomaly.Testing;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Tests.DevicePlacement;

/// <summary>
/// A resume in the order <c>synomaly train</c> runs it (TrainingRun): the checkpoint saved, its weights loaded into a fresh
/// model, a trainer built on it, then the optimizer moments, EMA weights, generator state and fp16 loss scale loaded and one
/// more step taken. On CUDA every tensor this makes must land on the training device (see <see cref="ImplicitDeviceTrap"/>);
/// here the resumed run must continue exactly as the untrapped one. The models and trainers are built outside the trap, as
/// TrainingRun builds them on the CPU before moving them.
/// </summary>
[Collection(ImplicitDeviceCollection.Name)]
public sealed class CheckpointDevicePlacementTests : IDisposable
{
    /// <summary>One level of 8 px: libtorch's CPU float16 convolutions are slow, and a resume trains twice per run.</summary>
    private static readonly UNetConfig Smallest = DevicePlacementInputs.Tiny with { ImageSize = 8, ChannelMult = "1", AttentionResolutions = "16" };

    private readonly string root = Directory.CreateTempSubdirectory("synomaly-checkpoint-trap-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Theory]
    [InlineData(TrainingPrecision.Fp32, BatchSampling.Epoch)]
    [InlineData(TrainingPrecision.Fp16, BatchSampling.Replacement)]
    public void A_resume_from_a_checkpoint_makes_no_tensor_off_the_training_device(TrainingPrecision precision, BatchSampling sampling)
    {
        var options = new TrainingOptions
        {
            BatchSize = 3,
            LearningRate = 1e-3,
            EmaDecay = 0.9,
            Loss = LossType.Mse,
            Sampling = sampling,
            Precision = precision,
            Seed = 41,
        };

        var trapped = SaveAndResume(Smallest, options, Path.Combine(root, "trapped"), trapped: true);
        var plain = SaveAndResume(Smallest, options, Path.Combine(root, "plain"), trapped: false);

        Assert.Equal(plain.Losses, trapped.Losses);
        Assert.Equal(plain.Weights, trapped.Weights);
        Assert.Equal(plain.Averaged, trapped.Averaged);
    }

    /// <summary>
    /// One step and a checkpoint, then a resumed trainer's step: its loss history, its weights (which follow the restored
    /// moments) and its averaged weights (which follow the restored EMA).
    /// </summary>
    private static (double[] Losses, float[] Weights, float[] Averaged) SaveAndResume(UNetConfig config, TrainingOptions options, string directory, bool trapped)
    {
        void Run(Action operation)
        {
            if (trapped)
            {
                ImplicitDeviceTrap.Run(operation);
            }
            else
            {
                operation();
            }
        }

        using var diffusion = new GaussianDiffusion(BetaSchedule.Cosine);
        using var scope = NewDisposeScope();
        var images = DevicePlacementInputs.Slices(4, config.ImageSize, seed: 43);
        using (var model = DevicePlacementInputs.RandomUNet(config, seed: 42))
        using (var trainer = new DiffusionTrainer(model, diffusion, images, options, CPU))
        {
            Run(() =>
            {
                trainer.RunStep();
                TrainingCheckpoint.Save(trainer, directory);
            });
        }

        using var resumedModel = new UNet(config);
        Run(() => TrainingCheckpoint.LoadWeights(resumedModel, directory));
        using var resumed = new DiffusionTrainer(resumedModel, diffusion, images, options, CPU);
        Run(() =>
        {
            TrainingCheckpoint.Load(resumed, directory, weightsLoaded: true);
            resumed.RunStep();
        });

        float[] weights = Flattened(resumedModel);
        resumed.UseAveragedWeights();
        return ([.. resumed.LossHistory], weights, Flattened(resumedModel));
    }

    private static float[] Flattened(UNet model) => [.. model.parameters().SelectMany(p => p.detach().flatten().data<float>().ToArray())];
}
