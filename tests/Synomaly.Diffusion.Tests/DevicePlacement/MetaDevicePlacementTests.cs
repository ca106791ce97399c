using Synomaly.Diffusion.Inference;
using Synomaly.Diffusion.Maps;
using Synomaly.Diffusion.Model;
using Synomaly.Diffusion.Noise;
using Synomaly.Diffusion.Schedules;
using Synomaly.Diffusion.Training;
using Synomaly.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Tests.DevicePlacement;

/// <summary>
/// What the META device can check here: that tensors made for a device land on that device, not on the CPU. META follows
/// CUDA's device rules but holds no data, and this libtorch (the C++ library, without PyTorch's Python meta registrations)
/// has no META kernel for convolution, GroupNorm, index_select, where, abs, logical_and or flip, so the network, the blur and
/// the maps cannot run on it; <see cref="ImplicitDeviceTrap"/> checks those on real CPU data instead. Explicitly naming the
/// CPU by mistake passes that trap, so these tests cover the pieces that place tensors themselves.
/// </summary>
public sealed class MetaDevicePlacementTests
{
    private static readonly Device Meta = new(DeviceType.META);

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float16)]
    public void Every_parameter_follows_the_unet_to_the_device_and_keeps_its_precision_there(ScalarType computeType)
    {
        using var model = new UNet(DevicePlacementInputs.Tiny);
        model.to(Meta);

        model.UsePrecision(computeType);
        model.UseChannelsLast(true);

        foreach (var (name, parameter) in model.named_parameters())
        {
            Assert.Equal(DeviceType.META, parameter.device_type);
            bool groupNorm = model.modules().OfType<GroupNorm32>().Any(norm => norm.parameters().Any(p => ReferenceEquals(p, parameter)));
            Assert.True(parameter.dtype == (groupNorm ? ScalarType.Float32 : computeType), $"{name} is {parameter.dtype}");
        }
    }

    [Theory]
    [InlineData(TrainingPrecision.Bf16)]
    [InlineData(TrainingPrecision.Fp16)]
    public void The_reduced_precision_replica_the_optimizer_and_the_ema_stay_on_the_training_device(TrainingPrecision precision)
    {
        using var master = new UNet(DevicePlacementInputs.Tiny);
        master.to(Meta);
        using var replica = new ReducedPrecisionReplica(master, precision, Meta);
        using var ema = new ExponentialMovingAverage(master, 0.9);
        using var optimizer = optim.AdamW(master.parameters(), 1e-3);
        using var scope = NewDisposeScope();

        replica.LoadWeights(master);
        foreach (var parameter in replica.Model.parameters())
        {
            parameter.grad = ones_like(parameter);
        }

        replica.CopyGradientsTo(master, unscale: 0.5);
        optimizer.step();
        ema.Update(master);
        ema.CopyTo(master);

        Assert.All(replica.Model.parameters(), p => Assert.Equal(DeviceType.META, p.device_type));
        Assert.All(master.parameters(), p =>
        {
            Assert.Equal(DeviceType.META, p.device_type);
            Assert.Equal(DeviceType.META, p.grad!.device_type);
            Assert.Equal(ScalarType.Float32, p.grad.dtype);
        });
        Assert.All(ema.State.Values, shadow => Assert.Equal(DeviceType.META, shadow.device_type));
    }

    [Fact]
    public void A_checkpoint_is_not_loaded_whole_into_a_trainer_whose_model_is_already_on_the_device()
    {
        // Module.load takes a module that is off the CPU there and back, which replaces its parameters: the trainer's
        // optimizer would go on with disposed ones, which on CUDA threw only at the next step. META stands in for CUDA.
        string directory = Directory.CreateTempSubdirectory("synomaly-meta-checkpoint-").FullName;
        try
        {
            var options = new TrainingOptions { BatchSize = 2, Seed = 3 };
            using var diffusion = new GaussianDiffusion(BetaSchedule.Cosine);
            using var images = zeros([2, 1, 16, 16], device: CPU);
            using (var model = new UNet(DevicePlacementInputs.Tiny))
            using (var trainer = new DiffusionTrainer(model, diffusion, images, options, CPU))
            {
                TrainingCheckpoint.Save(trainer, directory);
            }

            using var onDevice = new UNet(DevicePlacementInputs.Tiny);
            onDevice.to(Meta);
            using var resumed = new DiffusionTrainer(onDevice, diffusion, images, options, Meta);

            var error = Assert.Throws<InvalidOperationException>(() => TrainingCheckpoint.Load(resumed, directory));

            Assert.Contains("LoadWeights", error.Message, StringComparison.Ordinal);
            Assert.Contains("weightsLoaded: true", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Stage_noise_timesteps_embeddings_masks_and_threshold_factors_are_made_on_the_requested_device()
    {
        using var scope = NewDisposeScope();
        var slices = empty([2, 1, 16, 16], device: Meta);
        using var noise = StageNoise.For(slices, draws: 3, NoiseSeeding.Batch, seed: 1);
        using var generator = SeededDraws.CpuGenerator(2);
        var factors = new AnomalyMapOptions(3, 0.1, ThresholdScale: [.. Enumerable.Repeat(1f, 16 * 16)]);

        Tensor[] made =
        [
            noise.Next(),
            HeldScalars.Filled(6, 250, Meta),
            TimestepEmbedding.Sinusoidal(HeldScalars.Filled(6, 250, Meta), 32),
            CentredDiskMask.Create(16, Meta),
            AnomalyMap.ThresholdFactors(factors, 16, 16, Meta)!,
            SeededDraws.Normal([2, 1, 16, 16], Meta, generator),
        ];

        Assert.All(made, tensor => Assert.Equal(DeviceType.META, tensor.device_type));
    }
}
