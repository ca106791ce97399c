using Synomaly.Diffusion.Model;
using Synomaly.Diffusion.Noise;
using Synomaly.Diffusion.Schedules;
using Synomaly.Diffusion.Training;
using Synomaly.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Tests.Training;

public sealed class ReducedPrecisionTrainingTests
{
    private static readonly UNetConfig Tiny = new()
    {
        ImageSize = 16,
        ModelChannels = 32,
        ChannelMult = "1,2",
        NumResBlocks = 1,
        AttentionResolutions = "2",
        NumHeadChannels = 32,
    };

    /// <summary>Smaller still for fp16: libtorch's CPU float16 convolutions are slow (fp16 is meant for CUDA).</summary>
    private static readonly UNetConfig Smallest = Tiny with { ImageSize = 8, ChannelMult = "1", AttentionResolutions = "16" };

    private static Tensor Images(int size = 16)
    {
        var grid = linspace(-1, 1, size);
        var yy = grid.view(1, 1, size, 1);
        var xx = grid.view(1, 1, 1, size);
        var centres = linspace(-0.4, 0.4, 4).view(4, 1, 1, 1);
        return (exp(-(((xx - centres) * (xx - centres)) + (yy * yy)) * 6) * 2) - 1;
    }

    private static TrainingOptions Options(TrainingPrecision precision) => new()
    {
        BatchSize = 4,
        Steps = 10,
        LearningRate = 1e-3,
        Loss = LossType.Mse,
        Noise = SynomalyNoiseOptions.Brats,
        Precision = precision,
        Seed = 5,
    };

    /// <summary>A model with the same weights as <paramref name="source"/> (copied: the global RNG is shared with parallel tests).</summary>
    private static UNet CopyOf(UNet source)
    {
        var copy = new UNet(source.Config);
        using var noGrad = no_grad();
        foreach (var (target, weights) in copy.parameters().Zip(source.parameters()))
        {
            target.copy_(weights);
        }

        return copy;
    }

    private static float[] Flattened(IEnumerable<Tensor> tensors) =>
        [.. tensors.SelectMany(t => t.detach().to_type(ScalarType.Float32).flatten().data<float>().ToArray())];

    [Fact]
    public void A_tiny_unet_trains_in_bf16_with_finite_losses_and_float32_master_weights_that_change()
    {
        using var model = new UNet(Tiny);
        var before = Flattened(model.parameters());
        using var diffusion = new GaussianDiffusion(BetaSchedule.Cosine);
        using var images = Images();
        using var trainer = new DiffusionTrainer(model, diffusion, images, Options(TrainingPrecision.Bf16), CPU);
        for (int i = 0; i < 4; i++)
        {
            var step = trainer.RunStep();
            Assert.True(double.IsFinite(step.Loss) && double.IsFinite(step.GradientNorm), $"step {step.Step}: loss {step.Loss}, norm {step.GradientNorm}");
        }

        Assert.Equal(ScalarType.BFloat16, trainer.ComputeType);
        Assert.All(model.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
        var after = Flattened(model.parameters());
        int changed = before.Zip(after).Count(p => p.First != p.Second);
        Assert.True(changed > 0, "no master weight changed");
        Assert.Null(trainer.LossScaler);
    }

    [Fact]
    public void Bf16_gradients_point_the_same_way_as_float32_gradients_for_the_same_batch()
    {
        using var reference = new UNet(Tiny);
        using var reduced = CopyOf(reference);
        using var diffusion = new GaussianDiffusion(BetaSchedule.Cosine);
        using var images = Images();
        using var fp32 = new DiffusionTrainer(reference, diffusion, images, Options(TrainingPrecision.Fp32), CPU);
        using var bf16 = new DiffusionTrainer(reduced, diffusion, images, Options(TrainingPrecision.Bf16), CPU);
        var exact = fp32.RunStep();
        var approximate = bf16.RunStep();

        // Same seed, same batch, t and noise: the loss and the (clipped) gradients agree up to bfloat16 rounding.
        Assert.Equal(exact.Loss, approximate.Loss, 0.05 * exact.Loss);
        var g32 = Flattened(reference.parameters().Select(p => p.grad!));
        var g16 = Flattened(reduced.parameters().Select(p => p.grad!));
        double dot = 0, n32 = 0, n16 = 0;
        for (int i = 0; i < g32.Length; i++)
        {
            (dot, n32, n16) = (dot + ((double)g32[i] * g16[i]), n32 + ((double)g32[i] * g32[i]), n16 + ((double)g16[i] * g16[i]));
        }

        double cosine = dot / Math.Sqrt(n32 * n16);
        Assert.True(cosine > 0.98, $"cosine similarity of the gradients {cosine:F4}");
    }

    [Fact]
    public void A_checkpoint_records_its_precision_and_a_resume_in_another_precision_is_refused()
    {
        using var scratch = new ScratchDirectory("synomaly-ckpt-bf16");
        string directory = scratch.Location;
        using var diffusion = new GaussianDiffusion(BetaSchedule.Cosine);
        using var images = Images(8);
        using (var model = new UNet(Smallest))
        using (var trainer = new DiffusionTrainer(model, diffusion, images, Options(TrainingPrecision.Bf16), CPU))
        {
            trainer.RunStep();
            trainer.RunStep();
            TrainingCheckpoint.Save(trainer, directory);
        }

        Assert.Contains("\"Precision\":\"bf16\"", File.ReadAllText(Path.Combine(directory, "state.json")), StringComparison.Ordinal);

        using (var model = new UNet(Smallest))
        using (var fp32 = new DiffusionTrainer(model, diffusion, images, Options(TrainingPrecision.Fp32), CPU))
        {
            var error = Assert.Throws<TrainingCheckpointMismatchException>(() => TrainingCheckpoint.Load(fp32, directory));
            Assert.Contains("trained in bf16", error.Message, StringComparison.Ordinal);
            Assert.Contains("--precision bf16", error.Message, StringComparison.Ordinal);
            Assert.Equal(0, fp32.Step);
        }

        using (var model = new UNet(Smallest))
        using (var resumed = new DiffusionTrainer(model, diffusion, images, Options(TrainingPrecision.Bf16), CPU))
        {
            TrainingCheckpoint.Load(resumed, directory);
            Assert.Equal(2, resumed.Step);
            Assert.True(double.IsFinite(resumed.RunStep().Loss));
        }
    }

    [Fact]
    public void Fp16_training_scales_the_loss_and_the_checkpoint_restores_the_scaler()
    {
        using var scratch = new ScratchDirectory("synomaly-ckpt-fp16");
        string directory = scratch.Location;
        using var diffusion = new GaussianDiffusion(BetaSchedule.Cosine);
        using var images = Images(8);
        (double Scale, int CleanSteps) saved;
        using (var model = new UNet(Smallest))
        using (var trainer = new DiffusionTrainer(model, diffusion, images, Options(TrainingPrecision.Fp16), CPU))
        {
            var step = trainer.RunStep();
            Assert.True(double.IsFinite(step.Loss));
            Assert.Equal(ScalarType.Float16, trainer.ComputeType);
            Assert.All(model.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
            saved = (trainer.LossScaler!.Scale, trainer.LossScaler.CleanSteps);
            Assert.Equal(1, saved.CleanSteps + (saved.Scale < DynamicLossScaler.InitialScale ? 1 : 0));
            TrainingCheckpoint.Save(trainer, directory);
        }

        using var resumedModel = new UNet(Smallest);
        using var resumed = new DiffusionTrainer(resumedModel, diffusion, images, Options(TrainingPrecision.Fp16), CPU);
        TrainingCheckpoint.Load(resumed, directory);
        Assert.Equal(1, resumed.Step);
        Assert.Equal(saved, (resumed.LossScaler!.Scale, resumed.LossScaler.CleanSteps));
    }

    [Fact]
    public void An_fp16_step_the_loss_scaler_skips_leaves_the_ema_unchanged()
    {
        using var diffusion = new GaussianDiffusion(BetaSchedule.Cosine);
        using var images = Images(8);
        using var model = new UNet(Smallest);
        using var trainer = new DiffusionTrainer(model, diffusion, images, Options(TrainingPrecision.Fp16) with { EmaDecay = 0.5 }, CPU);
        using (no_grad())
        {
            // An average that differs from the weights, as after some training: averaging the weights in would move it.
            foreach (var shadow in trainer.Ema!.State.Values)
            {
                shadow.mul_(0.5);
            }
        }

        var before = Flattened(trainer.Ema!.State.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => s.Value));
        var weights = Flattened(model.parameters());

        // A loss scale far beyond float16's range makes every scaled gradient overflow, so the scaler skips the step.
        trainer.LossScaler!.Restore(1e30, 0);
        trainer.RunStep();

        Assert.True(trainer.LossScaler.Scale < 1e30, "the overflow must have been seen and the scale halved");
        Assert.Equal(weights, Flattened(model.parameters()));
        Assert.Equal(before, Flattened(trainer.Ema.State.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => s.Value)));
    }

    [Fact]
    public void Reduced_precision_needs_the_unet_and_names_the_reason()
    {
        using var model = nn.Sequential(nn.Conv2d(1, 1, 3, padding: 1));
        using var diffusion = new GaussianDiffusion(BetaSchedule.Cosine);
        using var images = Images();
        var error = Assert.Throws<ArgumentException>(() => new DiffusionTrainer(new Wrapped(model), diffusion, images, Options(TrainingPrecision.Bf16), CPU));
        Assert.Contains("bf16 training needs the UNet", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_trainer_refused_for_want_of_the_unet_leaves_no_tensor_behind()
    {
        using var model = nn.Sequential(nn.Conv2d(1, 1, 3, padding: 1));
        using var diffusion = new GaussianDiffusion(BetaSchedule.Cosine);
        using var images = Images();
        using var wrapped = new Wrapped(model);
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        // With an EMA and the centred disk the trainer has copies of the weights, the images and the mask to give back.
        var options = Options(TrainingPrecision.Bf16) with { EmaDecay = 0.9, RegionMask = RegionMaskSource.CentredDisk };
        Assert.Throws<ArgumentException>(() => new DiffusionTrainer(wrapped, diffusion, images, options, CPU));

        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void A_trainer_whose_replica_cannot_be_built_leaves_no_tensor_behind()
    {
        using var model = new UNet(Smallest);
        using var diffusion = new GaussianDiffusion(BetaSchedule.Cosine);
        using var images = Images(8);
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        // The replica comes last, after the copies of the images, the mask and the weights (EMA) it must give back; on a
        // GPU it is the allocation most likely to run out of memory.
        var options = Options(TrainingPrecision.Bf16) with { EmaDecay = 0.9, RegionMask = RegionMaskSource.CentredDisk };
        Assert.Throws<InvalidOperationException>(() => new DiffusionTrainer(
            model, diffusion, images, options, CPU, regionMasks: null,
            newReplica: (_, _, _) => throw new InvalidOperationException("Simulated: out of device memory.")));

        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void A_trainer_whose_cleanup_fails_too_reports_the_failure_that_stopped_it()
    {
        using var model = new UNet(Smallest);
        using var diffusion = new GaussianDiffusion(BetaSchedule.Cosine);
        using var images = Images(8);
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var outOfMemory = new InvalidOperationException("Simulated: out of device memory.");

        // Before, the cleanup's failure replaced the out-of-memory: the error told of a failed release, not of what to change.
        var options = Options(TrainingPrecision.Bf16) with { EmaDecay = 0.9, RegionMask = RegionMaskSource.CentredDisk };
        var thrown = Assert.Throws<InvalidOperationException>(() => new DiffusionTrainer(
            model, diffusion, images, options, CPU, regionMasks: null,
            newReplica: (_, _, _) => throw outOfMemory,
            releaseBuilt: built =>
            {
                built.Dispose();
                throw new InvalidOperationException("Simulated: the device failed again while freeing.");
            }));

        Assert.Same(outOfMemory, thrown);
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Theory]
    [InlineData("fp32", TrainingPrecision.Fp32)]
    [InlineData("BF16", TrainingPrecision.Bf16)]
    [InlineData("fp16", TrainingPrecision.Fp16)]
    public void Precision_names_parse(string name, TrainingPrecision expected) => Assert.Equal(expected, TrainingPrecisions.Parse(name));

    [Fact]
    public void An_unknown_precision_is_rejected_with_the_choices()
    {
        var error = Assert.Throws<InvalidOptionException>(() => TrainingPrecisions.Parse("int8"));
        Assert.Contains("fp32, bf16 or fp16", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_replica_that_fails_to_switch_precision_leaves_no_tensor_behind()
    {
        using var master = new UNet(Smallest);

        // Not a precision UsePrecision can be asked for: the replica's UNet already exists when the switch throws.
        LiveTensors.AssertLeavesOnlyWhatADisposedNetworkLeaves(
            Smallest,
            () => Assert.Throws<ArgumentOutOfRangeException>(() => new ReducedPrecisionReplica(master, (TrainingPrecision)99, CPU)));
    }

    [Fact]
    public void A_replica_whose_cleanup_fails_too_reports_the_failure_that_stopped_it()
    {
        using var master = new UNet(Smallest);

        // Before, the cleanup's failure replaced the failed switch: the error told of a failed release, not of what failed.
        LiveTensors.AssertLeavesOnlyWhatADisposedNetworkLeaves(
            Smallest,
            () => Assert.Throws<ArgumentOutOfRangeException>(() => new ReducedPrecisionReplica(master, (TrainingPrecision)99, CPU, releaseBuilt: built =>
            {
                built.Dispose();
                throw new InvalidOperationException("Simulated: the device failed again while freeing.");
            })));
    }

    private sealed class Wrapped : nn.Module<Tensor, Tensor, Tensor>
    {
        private readonly nn.Module<Tensor, Tensor> inner;

        public Wrapped(nn.Module<Tensor, Tensor> inner)
            : base(nameof(Wrapped))
        {
            this.inner = inner;
            RegisterComponents();
        }

        public override Tensor forward(Tensor input1, Tensor input2) => inner.call(input1);
    }
}
