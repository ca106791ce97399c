using Synomaly.Diffusion.Noise;
using Synomaly.Diffusion.Schedules;
using Synomaly.Diffusion.Training;
using Synomaly.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Tests.Training;

public sealed class DiffusionTrainerTests
{
    /// <summary>A small ε-model: convolutions on x plus a learned per-timestep bias, enough to learn to denoise.</summary>
    private sealed class SmallEpsModel : nn.Module<Tensor, Tensor, Tensor>
    {
        private readonly nn.Module<Tensor, Tensor> body;
        private readonly nn.Module<Tensor, Tensor> timeScale;

        public SmallEpsModel(long? seed = null) : base(nameof(SmallEpsModel))
        {
            body = nn.Sequential(nn.Conv2d(1, 16, 3, padding: 1), nn.SiLU(), nn.Conv2d(16, 16, 3, padding: 1), nn.SiLU(), nn.Conv2d(16, 1, 3, padding: 1));
            timeScale = nn.Embedding(1000, 1);
            RegisterComponents();
            if (seed is { } value)
            {
                InitialiseFrom(value);
            }
        }

        /// <summary>
        /// Draws the initial weights from a generator of its own, as PyTorch's defaults (uniform ±1/√fan-in for the
        /// convolutions, N(0, 1) for the embedding): the global torch generator is shared with tests running in parallel,
        /// so seeding it cannot make a test's starting point reproducible.
        /// </summary>
        private void InitialiseFrom(long seed)
        {
            using var generator = new Generator((ulong)seed);
            using var noGrad = no_grad();
            double bound = 1;
            foreach (var (name, parameter) in named_parameters())
            {
                if (name.StartsWith("timeScale", StringComparison.Ordinal))
                {
                    parameter.copy_(randn(parameter.shape, generator: generator));
                    continue;
                }

                if (parameter.dim() > 1)
                {
                    bound = 1 / Math.Sqrt(parameter.shape.Skip(1).Aggregate(1L, (a, b) => a * b));
                }

                parameter.copy_((rand(parameter.shape, generator: generator) * 2 - 1) * bound);
            }
        }

        public override Tensor forward(Tensor x, Tensor t) => body.call(x) * (1 + timeScale.call(t).view(-1, 1, 1, 1));
    }

    private static Tensor Images()
    {
        // Smooth synthetic "anatomy": shifted Gaussian bumps in [-1, 1].
        var grid = linspace(-1, 1, 32);
        var yy = grid.view(1, 1, 32, 1);
        var xx = grid.view(1, 1, 1, 32);
        var centres = linspace(-0.4, 0.4, 8).view(8, 1, 1, 1);
        return (exp(-(((xx - centres) * (xx - centres)) + (yy * yy)) * 6) * 2) - 1;
    }

    /// <summary>Trains a fresh small model <paramref name="steps"/> steps and saves its checkpoint: the first sitting of a resume test.</summary>
    private static void SaveCheckpointAfter(int steps, TrainingOptions options, GaussianDiffusion diffusion, Tensor images, string directory, ParentModel? from = null)
    {
        using var model = new SmallEpsModel();
        using var trainer = new DiffusionTrainer(model, diffusion, images, options, CPU) { InitialisedFrom = from };
        for (int i = 0; i < steps; i++)
        {
            trainer.RunStep();
        }

        TrainingCheckpoint.Save(trainer, directory);
    }

    private static TrainingOptions Options(int steps, LossType loss = LossType.Mse) => new()
    {
        BatchSize = 8,
        Steps = steps,
        LearningRate = 3e-3,
        Loss = loss,
        Noise = new SynomalyNoiseOptions(3, 175, 0.5, [1]),
        EmaDecay = 0.9,
        Seed = 11,
    };

    [Fact]
    public void A_small_model_trains_and_the_loss_goes_down()
    {
        using var model = new SmallEpsModel(seed: 1);
        using var diffusion = new GaussianDiffusion(BetaSchedule.Cosine);
        using var images = Images();
        using var trainer = new DiffusionTrainer(model, diffusion, images, Options(60), CPU);
        for (int i = 0; i < 60; i++)
        {
            var step = trainer.RunStep();
            Assert.True(double.IsFinite(step.Loss));
        }

        double first = trainer.LossHistory.Take(10).Average();
        double last = trainer.LossHistory.TakeLast(10).Average();
        Assert.True(last < first * 0.8, $"loss went from {first:F4} to {last:F4}");
    }

    [Fact]
    public void The_hybrid_vlb_loss_trains_too()
    {
        using var model = new SmallEpsModel(seed: 2);
        using var diffusion = new GaussianDiffusion(BetaSchedule.Cosine);
        using var images = Images();
        using var trainer = new DiffusionTrainer(model, diffusion, images, Options(40, LossType.Vlb), CPU);
        for (int i = 0; i < 40; i++)
        {
            trainer.RunStep();
        }

        Assert.True(trainer.LossHistory.TakeLast(10).Average() < trainer.LossHistory.Take(10).Average());
    }

    [Theory]
    [InlineData(false, 8, BatchSampling.Epoch)]
    [InlineData(true, 8, BatchSampling.Epoch)]
    [InlineData(false, 3, BatchSampling.Epoch)]
    [InlineData(false, 3, BatchSampling.Replacement)]
    public void Resuming_from_a_checkpoint_continues_with_identical_state(bool weightsBeforeTrainer, int batchSize, BatchSampling sampling)
    {
        // Batches of 3 from 8 images: the checkpoint after step 4 falls in the middle of the second epoch.
        var options = Options(10) with { BatchSize = batchSize, Sampling = sampling };
        using var scratch = new ScratchDirectory("synomaly-ckpt");
        string directory = scratch.Location;
        using var diffusion = new GaussianDiffusion(BetaSchedule.Cosine);
        using var images = Images();

        // Both runs start from the same weights, copied rather than re-drawn: the global torch RNG is shared with tests
        // running in parallel, so seeding it cannot guarantee identical initialisation.
        using var straight = new SmallEpsModel();
        using var first = new SmallEpsModel();
        using (no_grad())
        {
            foreach (var (target, source) in first.parameters().Zip(straight.parameters()))
            {
                target.copy_(source);
            }
        }

        using var straightTrainer = new DiffusionTrainer(straight, diffusion, images, options, CPU);
        for (int i = 0; i < 10; i++)
        {
            straightTrainer.RunStep();
        }

        using (var firstTrainer = new DiffusionTrainer(first, diffusion, images, options, CPU))
        {
            for (int i = 0; i < 4; i++)
            {
                firstTrainer.RunStep();
            }

            TrainingCheckpoint.Save(firstTrainer, directory);
        }

        // Either way of resuming: the weights with the rest, or first on their own (TrainingRun, before a move to CUDA).
        using var resumed = new SmallEpsModel();
        if (weightsBeforeTrainer)
        {
            TrainingCheckpoint.LoadWeights(resumed, directory);
        }

        using var resumedTrainer = new DiffusionTrainer(resumed, diffusion, images, options, CPU);
        TrainingCheckpoint.Load(resumedTrainer, directory, weightsLoaded: weightsBeforeTrainer);
        Assert.Equal(4, resumedTrainer.Step);
        for (int i = 4; i < 10; i++)
        {
            resumedTrainer.RunStep();
        }

        Assert.Equal(straightTrainer.LossHistory, resumedTrainer.LossHistory);
        var expected = straight.parameters().ToList();
        var actual = resumed.parameters().ToList();
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.True(expected[i].allclose(actual[i], 0, 0), $"parameter {i} differs after resume");
        }

        straightTrainer.UseAveragedWeights();
        resumedTrainer.UseAveragedWeights();
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.True(expected[i].allclose(actual[i], 0, 0), $"the EMA of parameter {i} differs after resume");
        }
    }

    [Fact]
    public void With_epoch_sampling_every_image_is_taken_exactly_once_per_epoch()
    {
        using var diffusion = new GaussianDiffusion(BetaSchedule.Cosine);
        using var images = Images();
        using var model = new SmallEpsModel();
        using var trainer = new DiffusionTrainer(model, diffusion, images, Options(10) with { BatchSize = 3, RandomFlips = false }, CPU);
        var orders = new List<long[]>();

        for (int epoch = 0; epoch < 3; epoch++)
        {
            var taken = new List<long>();
            var sizes = new List<long>();
            for (int batch = 0; batch < 3; batch++)
            {
                using var scope = NewDisposeScope();
                var drawn = trainer.Draw().Images;
                sizes.Add(drawn.shape[0]);
                taken.AddRange(IndicesOf(drawn, images));
            }

            // 8 images in batches of 3: the epoch's last batch holds the 2 left, as the reference's DataLoader.
            Assert.Equal([3L, 3, 2], sizes);
            Assert.Equal(Enumerable.Range(0, 8).Select(i => (long)i), taken.Order());
            orders.Add([.. taken]);
        }

        Assert.True(orders.Distinct(new SequenceComparer()).Count() > 1, "each epoch draws its own permutation");
    }

    [Fact]
    public void A_checkpoint_from_before_batch_sampling_was_recorded_resumes_with_replacement_and_refuses_epoch()
    {
        using var scratch = new ScratchDirectory("synomaly-ckpt-sampling");
        string directory = scratch.Location;
        using var diffusion = new GaussianDiffusion(BetaSchedule.Cosine);
        using var images = Images();
        var replacement = Options(4) with { Sampling = BatchSampling.Replacement };
        SaveCheckpointAfter(2, replacement, diffusion, images, directory);
        string statePath = Path.Combine(directory, "state.json");
        var state = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(statePath))!.AsObject();
        Assert.True(state.Remove("Sampling"));
        File.WriteAllText(statePath, state.ToJsonString());

        Assert.Equal(BatchSampling.Replacement, TrainingCheckpoint.RecordedSampling(directory));
        using (var model = new SmallEpsModel())
        using (var epoch = new DiffusionTrainer(model, diffusion, images, Options(4), CPU))
        {
            var error = Assert.Throws<TrainingCheckpointMismatchException>(() => TrainingCheckpoint.Load(epoch, directory));
            Assert.Contains("--sampling replacement", error.Message, StringComparison.Ordinal);
        }

        using var resumedModel = new SmallEpsModel();
        using var resumed = new DiffusionTrainer(resumedModel, diffusion, images, replacement, CPU);
        TrainingCheckpoint.Load(resumed, directory);
        Assert.Equal(2, resumed.Step);
    }

    /// <summary>The index in <paramref name="images"/> of each image of <paramref name="batch"/> (drawn unflipped).</summary>
    private static IEnumerable<long> IndicesOf(Tensor batch, Tensor images)
    {
        for (long i = 0; i < batch.shape[0]; i++)
        {
            long match = -1;
            for (long j = 0; j < images.shape[0]; j++)
            {
                if (batch[i].allclose(images[j], 0, 0))
                {
                    match = j;
                }
            }

            Assert.NotEqual(-1, match);
            yield return match;
        }
    }

    private sealed class SequenceComparer : IEqualityComparer<long[]>
    {
        public bool Equals(long[]? x, long[]? y) => x is not null && y is not null && x.SequenceEqual(y);

        public int GetHashCode(long[] obj) => obj.Length;
    }

    [Fact]
    public void Ema_switched_on_at_a_resume_starts_from_the_checkpoint_s_weights_and_switched_off_is_refused()
    {
        using var scratch = new ScratchDirectory("synomaly-ckpt-ema");
        using var diffusion = new GaussianDiffusion(BetaSchedule.Cosine);
        using var images = Images();
        string withoutEma = Path.Combine(scratch.Location, "plain"), withEma = Path.Combine(scratch.Location, "ema");
        SaveCheckpointAfter(2, Options(4) with { EmaDecay = 0 }, diffusion, images, withoutEma);
        SaveCheckpointAfter(2, Options(4), diffusion, images, withEma);

        using (var model = new SmallEpsModel())
        using (var switchedOn = new DiffusionTrainer(model, diffusion, images, Options(4), CPU))
        {
            TrainingCheckpoint.Load(switchedOn, withoutEma);
            var loaded = model.parameters().Select(p => p.detach().clone()).ToList();
            switchedOn.UseAveragedWeights();
            foreach (var (parameter, fromCheckpoint) in model.parameters().Zip(loaded))
            {
                Assert.True(parameter.allclose(fromCheckpoint, 0, 0), "the EMA should start at the checkpoint's weights");
            }
        }

        using (var model = new SmallEpsModel())
        using (var switchedOff = new DiffusionTrainer(model, diffusion, images, Options(4) with { EmaDecay = 0 }, CPU))
        {
            var error = Assert.Throws<TrainingCheckpointMismatchException>(() => TrainingCheckpoint.Load(switchedOff, withEma));
            Assert.Contains("--ema 0.9", error.Message, StringComparison.Ordinal);
            Assert.Equal(0, switchedOff.Step);
        }
    }

    [Fact]
    public void A_resume_with_other_images_or_other_noise_is_refused_and_names_both()
    {
        using var scratch = new ScratchDirectory("synomaly-ckpt-recipe");
        string directory = scratch.Location;
        using var diffusion = new GaussianDiffusion(BetaSchedule.Cosine);
        using var images = Images();
        var brain = Options(4) with { DataPreparation = "brain-mri" };
        SaveCheckpointAfter(1, brain, diffusion, images, directory);

        using (var model = new SmallEpsModel())
        using (var liver = new DiffusionTrainer(model, diffusion, images, brain with { DataPreparation = "liver-ct" }, CPU))
        {
            var error = Assert.Throws<TrainingCheckpointMismatchException>(() => TrainingCheckpoint.Load(liver, directory));
            Assert.Contains("trained on brain-mri images, the run asks for liver-ct", error.Message, StringComparison.Ordinal);
            Assert.Contains("--modality brain-mri", error.Message, StringComparison.Ordinal);
            Assert.Equal(0, liver.Step);
        }

        using (var model = new SmallEpsModel())
        using (var darker = new DiffusionTrainer(model, diffusion, images, brain with { Noise = new SynomalyNoiseOptions(3, 175, 1, [-1]) }, CPU))
        {
            var error = Assert.Throws<TrainingCheckpointMismatchException>(() => TrainingCheckpoint.Load(darker, directory));
            Assert.Contains("σ 3, τ 175, offset 0.5, direction 1", error.Message, StringComparison.Ordinal);
            Assert.Contains("σ 3, τ 175, offset 1, direction -1", error.Message, StringComparison.Ordinal);
            Assert.Contains("resume with --noise-offset 0.5 --noise-direction 1 (or with no --noise option", error.Message, StringComparison.Ordinal);
        }

        // The resume that gives no noise option is handed the checkpoint's noise (train does so) and goes on.
        Assert.Equal(brain.Noise.Describe(), TrainingCheckpoint.RecordedNoiseOf(directory)?.Describe());

        // A caller that names no data preparation (the library default) resumes as before.
        using (var model = new SmallEpsModel())
        using (var resumed = new DiffusionTrainer(model, diffusion, images, Options(4), CPU))
        {
            TrainingCheckpoint.Load(resumed, directory);
            Assert.Equal(1, resumed.Step);
        }
    }

    [Fact]
    public void A_resume_with_another_region_mask_is_refused_and_a_checkpoint_from_before_the_option_counts_as_none()
    {
        using var scratch = new ScratchDirectory("synomaly-ckpt-region");
        string directory = scratch.Location;
        using var diffusion = new GaussianDiffusion(BetaSchedule.Cosine);
        using var images = Images();
        SaveCheckpointAfter(1, Options(4), diffusion, images, directory);
        string state = Path.Combine(directory, "state.json");
        var recorded = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(state))!.AsObject();
        Assert.Equal("none", recorded["RegionMask"]!.GetValue<string>());

        // What checkpoints written before the option look like: no region mask recorded.
        recorded.Remove("RegionMask");
        File.WriteAllText(state, recorded.ToJsonString());

        using (var model = new SmallEpsModel())
        using (var disk = new DiffusionTrainer(model, diffusion, images, Options(4) with { RegionMask = RegionMaskSource.CentredDisk }, CPU))
        {
            var error = Assert.Throws<TrainingCheckpointMismatchException>(() => TrainingCheckpoint.Load(disk, directory));
            Assert.Contains("region mask none, the run asks for centred-disk", error.Message, StringComparison.Ordinal);
            Assert.Equal(0, disk.Step);
        }

        using (var model = new SmallEpsModel())
        using (var resumed = new DiffusionTrainer(model, diffusion, images, Options(4), CPU))
        {
            TrainingCheckpoint.Load(resumed, directory);
            Assert.Equal(1, resumed.Step);
        }
    }

    [Fact]
    public void A_resume_trains_on_at_the_learning_rate_the_run_asks_for()
    {
        using var scratch = new ScratchDirectory("synomaly-ckpt-lr");
        string directory = scratch.Location;
        using var diffusion = new GaussianDiffusion(BetaSchedule.Cosine);
        using var images = Images();
        SaveCheckpointAfter(1, Options(4), diffusion, images, directory);

        using var resumed = new SmallEpsModel();
        using var lower = new DiffusionTrainer(resumed, diffusion, images, Options(4) with { LearningRate = 1e-4, WeightDecay = 0.05 }, CPU);
        TrainingCheckpoint.Load(lower, directory);
        Assert.Equal(1, lower.Step);
        Assert.Equal((1e-4, 0.05), lower.OptimizerSettings);
    }

    [Fact]
    public void A_checkpoint_keeps_the_phases_of_settings_and_the_warm_start_across_sittings()
    {
        using var scratch = new ScratchDirectory("synomaly-ckpt-phases");
        string directory = scratch.Location;
        using var diffusion = new GaussianDiffusion(BetaSchedule.Cosine);
        using var images = Images();
        var parent = new ParentModel("demo", "v3", 0.12, null);
        SaveCheckpointAfter(1, Options(4), diffusion, images, directory, parent);

        using (var model = new SmallEpsModel())
        using (var lower = new DiffusionTrainer(model, diffusion, images, Options(4) with { LearningRate = 1e-4 }, CPU))
        {
            TrainingCheckpoint.Load(lower, directory);
            lower.RunStep();
            lower.RunStep();
            TrainingCheckpoint.Save(lower, directory);
        }

        using var again = new SmallEpsModel();
        using var third = new DiffusionTrainer(again, diffusion, images, Options(4) with { LearningRate = 1e-4 }, CPU) { InitialisedFrom = new ParentModel("other", "v9", null, null) };
        TrainingCheckpoint.Load(third, directory);
        Assert.Equal(parent, third.InitialisedFrom);
        Assert.Equal(
            [new TrainingPhase(0, 1, TrainingSettings.Of(Options(4))), new TrainingPhase(1, 3, TrainingSettings.Of(Options(4) with { LearningRate = 1e-4 }))],
            third.Phases);
    }

    [Fact]
    public void A_checkpoint_from_before_phases_were_recorded_resumes_with_its_steps_as_unknown_settings()
    {
        using var scratch = new ScratchDirectory("synomaly-ckpt-old");
        string directory = scratch.Location;
        using var diffusion = new GaussianDiffusion(BetaSchedule.Cosine);
        using var images = Images();
        SaveCheckpointAfter(2, Options(4), diffusion, images, directory);

        string statePath = Path.Combine(directory, "state.json");
        var state = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(statePath))!.AsObject();
        state.Remove("Phases");
        state.Remove("InitialisedFrom");
        File.WriteAllText(statePath, state.ToJsonString());

        var named = new ParentModel("named", "v1", null, null);
        using var resumedModel = new SmallEpsModel();
        using var resumed = new DiffusionTrainer(resumedModel, diffusion, images, Options(4), CPU) { InitialisedFrom = named };
        TrainingCheckpoint.Load(resumed, directory);
        resumed.RunStep();

        Assert.Equal(named, resumed.InitialisedFrom);
        Assert.Equal([new TrainingPhase(0, 2, null), new TrainingPhase(2, 3, TrainingSettings.Of(Options(4)))], resumed.Phases);
    }

    [Fact]
    public void A_save_interrupted_between_its_two_moves_resumes_from_the_checkpoint_set_aside()
    {
        using var scratch = new ScratchDirectory("synomaly-ckpt-crash");
        string root = scratch.Location;
        string directory = Path.Combine(root, "checkpoint");
        using var diffusion = new GaussianDiffusion(BetaSchedule.Cosine);
        using var images = Images();
        using (var model = new SmallEpsModel(seed: 3))
        using (var trainer = new DiffusionTrainer(model, diffusion, images, Options(4), CPU))
        {
            trainer.RunStep();
            trainer.RunStep();
            TrainingCheckpoint.Save(trainer, directory);
            Assert.False(Directory.Exists(directory + ".previous"), "a completed save leaves nothing set aside");
        }

        // What a crash after the first move of the next save leaves: the last checkpoint set aside, none in place.
        Directory.Move(directory, directory + ".previous");
        Assert.True(TrainingCheckpoint.Exists(directory));

        using var resumedModel = new SmallEpsModel(seed: 4);
        using var resumed = new DiffusionTrainer(resumedModel, diffusion, images, Options(4), CPU);
        TrainingCheckpoint.Load(resumed, directory);
        Assert.Equal(2, resumed.Step);
        Assert.True(File.Exists(Path.Combine(directory, "state.json")));
        Assert.False(Directory.Exists(directory + ".previous"));
    }

    [Theory]
    [InlineData(nameof(TrainingOptions.LearningRate), double.NaN)]
    [InlineData(nameof(TrainingOptions.LearningRate), double.PositiveInfinity)]
    [InlineData(nameof(TrainingOptions.EmaDecay), double.NaN)]
    [InlineData(nameof(TrainingOptions.WeightDecay), double.NaN)]
    [InlineData(nameof(TrainingOptions.WeightDecay), double.PositiveInfinity)]
    [InlineData(nameof(TrainingOptions.GradientClipNorm), double.NaN)]
    [InlineData(nameof(TrainingOptions.GradientClipNorm), double.PositiveInfinity)]
    public void A_real_valued_training_option_that_is_not_finite_is_rejected_by_name(string option, double value)
    {
        var options = option switch
        {
            nameof(TrainingOptions.LearningRate) => new TrainingOptions { LearningRate = value },
            nameof(TrainingOptions.EmaDecay) => new TrainingOptions { EmaDecay = value },
            nameof(TrainingOptions.WeightDecay) => new TrainingOptions { WeightDecay = value },
            _ => new TrainingOptions { GradientClipNorm = value },
        };

        var error = Assert.Throws<InvalidOptionException>(options.Validate);

        Assert.Equal(option, error.ParamName);
    }

    [Fact]
    public void A_max_timestep_beyond_the_schedule_is_refused_by_name_rather_than_clamped()
    {
        using var model = new SmallEpsModel();
        using var diffusion = new GaussianDiffusion(BetaSchedule.Cosine, 100);
        using var images = Images();

        var error = Assert.Throws<InvalidOptionException>(() => new DiffusionTrainer(model, diffusion, images, Options(1) with { MaxTimestep = 101 }, CPU));
        using var whole = new DiffusionTrainer(model, diffusion, images, Options(1) with { MaxTimestep = 100 }, CPU);

        Assert.Equal(nameof(TrainingOptions.MaxTimestep), error.ParamName);
        Assert.Contains("--max-timestep", error.Message, StringComparison.Ordinal);
        Assert.Contains("100", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_options_and_image_shapes_are_rejected_with_the_reason()
    {
        using var model = new SmallEpsModel();
        using var diffusion = new GaussianDiffusion(BetaSchedule.Cosine);
        using var flat = zeros(4, 32, 32);
        var error = Assert.Throws<ArgumentException>(() => new DiffusionTrainer(model, diffusion, flat, Options(1), CPU));
        Assert.Contains("[N,1,H,W]", error.Message, StringComparison.Ordinal);
        using var images = Images();
        // Named by the option it comes from, as every other training option is (the command line tells it as --batch).
        var batch = Assert.Throws<InvalidOptionException>(() => new DiffusionTrainer(model, diffusion, images, Options(1) with { BatchSize = 0 }, CPU));
        Assert.Equal(nameof(TrainingOptions.BatchSize), batch.ParamName);
    }
}
