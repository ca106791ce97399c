using Synomaly.Diffusion.Model;
using Synomaly.Diffusion.Noise;
using Synomaly.Diffusion.Schedules;
using Synomaly.Diffusion.Training;
using Synomaly.Testing;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Tests.DevicePlacement;

/// <summary>
/// A training step (the draws, flips and region masks, the forward pass, the MSE or hybrid loss, backward, clipping, AdamW,
/// the EMA, and in reduced precision the replica's weight and gradient copies and the fp16 loss scale) creates every tensor
/// on the training device (see <see cref="ImplicitDeviceTrap"/>) and computes the same step; bf16 and fp16 run with their
/// real CPU kernels, so a dtype mix fails here too.
/// </summary>
[Collection(ImplicitDeviceCollection.Name)]
public sealed class TrainingDevicePlacementTests
{
    /// <summary>Smaller in reduced precision: libtorch's CPU bfloat16 and float16 convolutions are slow.</summary>
    private static readonly UNetConfig Smallest = DevicePlacementInputs.Tiny with { ImageSize = 8, ChannelMult = "1", AttentionResolutions = "16" };

    [Theory]
    [InlineData(TrainingPrecision.Fp32, LossType.Mse, RegionMaskSource.CentredDisk, BatchSampling.Epoch)]
    [InlineData(TrainingPrecision.Fp32, LossType.Vlb, RegionMaskSource.PerImage, BatchSampling.Replacement)]
    [InlineData(TrainingPrecision.Bf16, LossType.Vlb, RegionMaskSource.None, BatchSampling.Epoch)]
    [InlineData(TrainingPrecision.Fp16, LossType.Mse, RegionMaskSource.CentredDisk, BatchSampling.Epoch)]
    [InlineData(TrainingPrecision.Fp16, LossType.Vlb, RegionMaskSource.None, BatchSampling.Replacement)]
    public void A_training_step_makes_no_tensor_off_the_training_device(TrainingPrecision precision, LossType loss, RegionMaskSource regionMask, BatchSampling sampling)
    {
        var config = precision == TrainingPrecision.Fp32 ? DevicePlacementInputs.Tiny : Smallest;
        var options = new TrainingOptions
        {
            BatchSize = 3,
            LearningRate = 1e-3,
            EmaDecay = 0.9,
            Loss = loss,
            Noise = SynomalyNoiseOptions.Brats with { Directions = [1, -1] },
            RegionMask = regionMask,
            Sampling = sampling,
            Precision = precision,
            Seed = 31,
        };

        var (trappedLosses, trappedWeights) = TwoSteps(config, options, trapped: true);
        var (losses, weights) = TwoSteps(config, options, trapped: false);

        Assert.Equal(losses, trappedLosses);
        Assert.Equal(weights, trappedWeights);
    }

    /// <summary>Two steps of a fresh trainer (built outside the trap, as a run builds it once) and its averaged weights.</summary>
    private static (double[] Losses, float[] Weights) TwoSteps(UNetConfig config, TrainingOptions options, bool trapped)
    {
        using var model = DevicePlacementInputs.RandomUNet(config, seed: 32);
        using var diffusion = new GaussianDiffusion(BetaSchedule.Cosine);
        using var scope = NewDisposeScope();
        var images = DevicePlacementInputs.Slices(4, config.ImageSize, seed: 33);
        var masks = options.RegionMask == RegionMaskSource.PerImage ? images.gt(0).to_type(ScalarType.Float32).mul(2).sub(1) : null;
        using var trainer = new DiffusionTrainer(model, diffusion, images, options, CPU, masks);

        void Steps()
        {
            trainer.RunStep();
            trainer.RunStep();
            trainer.UseAveragedWeights();
        }

        if (trapped)
        {
            ImplicitDeviceTrap.Run(Steps);
        }
        else
        {
            Steps();
        }

        float[] weights = [.. model.parameters().SelectMany(p => p.detach().flatten().data<float>().ToArray())];
        return ([.. trainer.LossHistory], weights);
    }
}
