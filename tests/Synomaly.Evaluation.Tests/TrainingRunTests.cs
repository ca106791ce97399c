using Synomaly.Diffusion.Model;
using Synomaly.Diffusion.Noise;
using Synomaly.Diffusion.Schedules;
using Synomaly.Diffusion.Training;
using Synomaly.Diffusion.Weights;
using Synomaly.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace Synomaly.Evaluation.Tests;

public sealed class TrainingRunTests
{
    private static readonly UNetConfig Tiny = new()
    {
        ImageSize = 8,
        ModelChannels = 32,
        ChannelMult = "1",
        NumResBlocks = 1,
        AttentionResolutions = "16",
        NumHeadChannels = 32,
    };

    // A learning rate so small that one AdamW step moves no weight measurably: what comes out is what went in.
    private static TrainingOptions Options(int steps) => new()
    {
        BatchSize = 2,
        Steps = steps,
        LearningRate = 1e-12,
        EmaDecay = 0.9,
        Loss = LossType.Mse,
        Noise = SynomalyNoiseOptions.Brats,
        Seed = 5,
    };

    [Fact]
    public void A_warm_started_run_begins_from_the_saved_weights_and_the_card_names_them()
    {
        using var scratch = new ScratchDirectory("warm-start");
        string saved = SaveShiftedModel(Path.Combine(scratch.Location, "saved"), "demo", "v3");
        using var images = Images();

        var run = new TrainingRun(Tiny, Options(1), CPU, Path.Combine(scratch.Location, "run")) { InitialWeights = saved };
        using var warm = run.Train(images, cancellationToken: TestContext.Current.CancellationToken);
        using var cold = new TrainingRun(Tiny, Options(1), CPU, Path.Combine(scratch.Location, "cold")).Train(images, cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(MaxDifference(warm, saved) < 1e-6, $"warm start moved {MaxDifference(warm, saved)} from the saved weights");
        Assert.True(MaxDifference(cold, saved) > 1e-2, "a run without --init-from should start from a fresh initialisation");
        Assert.False(run.Resumed);
        Assert.Equal("demo v3", run.InitialisedFrom?.ToString());
        Assert.Equal([new TrainingPhase(0, 1, TrainingSettings.Of(Options(1)))], run.Phases);
    }

    [Fact]
    public void A_fine_tuned_models_card_carries_its_parents_training_arguments_and_its_own_phases()
    {
        using var scratch = new ScratchDirectory("warm-start-lineage");
        var parentArgs = new System.Text.Json.Nodes.JsonObject { ["Steps"] = 24275, ["LearningRate"] = 1.5e-4 };
        string saved = SaveShiftedModel(Path.Combine(scratch.Location, "saved"), "demo", "v3", trainingArgs: parentArgs);
        string output = Path.Combine(scratch.Location, "run");
        using var images = Images();
        new TrainingRun(Tiny, Options(1), CPU, output) { InitialWeights = saved }.Train(images, cancellationToken: TestContext.Current.CancellationToken).Dispose();
        var resumed = new TrainingRun(Tiny, Options(2) with { LearningRate = 2e-12 }, CPU, output);
        resumed.Train(images, cancellationToken: TestContext.Current.CancellationToken).Dispose();

        var card = ModelCard.FromJson(ModelCards.ForTraining(
            "demo", "v4", Tiny, TrainingModality.Parse("brain-mri"), Options(2), "synthetic", "CC0", 0.1, resumed.InitialisedFrom, resumed.Phases).ToJson());

        var args = card.Provenance!.TrainingArgs!;
        Assert.Equal("v3", args["InitialisedFrom"]!["Version"]!.GetValue<string>());
        Assert.Equal(24275, args["InitialisedFrom"]!["TrainingArgs"]!["Steps"]!.GetValue<int>());
        var phases = args["Phases"]!.AsArray();
        Assert.Equal(2, phases.Count);
        Assert.Equal((0, 1, 1e-12), (phases[0]!["FromStep"]!.GetValue<int>(), phases[0]!["ToStep"]!.GetValue<int>(), phases[0]!["Settings"]!["LearningRate"]!.GetValue<double>()));
        Assert.Equal((1, 2, 2e-12), (phases[1]!["FromStep"]!.GetValue<int>(), phases[1]!["ToStep"]!.GetValue<int>(), phases[1]!["Settings"]!["LearningRate"]!.GetValue<double>()));
    }

    [Theory]
    [InlineData(BatchSampling.Epoch, "epoch")]
    [InlineData(BatchSampling.Replacement, "replacement")]
    public void The_card_records_how_the_run_drew_its_batches(BatchSampling sampling, string name)
    {
        var card = ModelCard.FromJson(ModelCards.ForTraining(
            "demo", "v1", Tiny, TrainingModality.Parse("brain-mri"), Options(2) with { Sampling = sampling }, "synthetic", "CC0", 0.1).ToJson());

        Assert.Equal(name, card.Provenance!.TrainingArgs!["Sampling"]!.GetValue<string>());
    }

    [Fact]
    public void A_resume_keeps_the_checkpoint_weights_and_lineage_and_ignores_the_warm_start()
    {
        using var scratch = new ScratchDirectory("warm-start-resume");
        string first = SaveShiftedModel(Path.Combine(scratch.Location, "first"), "a", "1", shift: 0.05f);
        string second = SaveShiftedModel(Path.Combine(scratch.Location, "second"), "b", "1", shift: -0.05f);
        string output = Path.Combine(scratch.Location, "run");
        using var images = Images();
        new TrainingRun(Tiny, Options(1), CPU, output) { InitialWeights = first }.Train(images, cancellationToken: TestContext.Current.CancellationToken).Dispose();

        var resumed = new TrainingRun(Tiny, Options(2), CPU, output) { InitialWeights = second };
        using var model = resumed.Train(images, cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(MaxDifference(model, first) < 1e-6);
        Assert.True(MaxDifference(model, second) > 1e-2);
        Assert.True(resumed.Resumed);
        Assert.Equal("a 1", resumed.InitialisedFrom?.ToString());
    }

    [Fact]
    public void A_resume_whose_warm_start_folder_is_gone_resumes_with_the_lineage_its_checkpoint_recorded()
    {
        using var scratch = new ScratchDirectory("warm-start-gone");
        string first = SaveShiftedModel(Path.Combine(scratch.Location, "first"), "a", "1", shift: 0.05f);
        string output = Path.Combine(scratch.Location, "run");
        using var images = Images();
        new TrainingRun(Tiny, Options(1), CPU, output) { InitialWeights = first }.Train(images, cancellationToken: TestContext.Current.CancellationToken).Dispose();
        Directory.Delete(first, recursive: true);

        // The same command again, as the docs say a resume ignores --init-from: the folder it names need not be there.
        var resumed = new TrainingRun(Tiny, Options(2), CPU, output) { InitialWeights = first };
        resumed.Train(images, cancellationToken: TestContext.Current.CancellationToken).Dispose();

        Assert.True(resumed.Resumed);
        Assert.Equal(2, resumed.StepsTrained);
        Assert.Equal("a 1", resumed.InitialisedFrom?.ToString());
    }

    [Fact]
    public void A_checkpoint_from_before_phases_were_recorded_takes_its_lineage_from_the_warm_start_given_and_none_once_it_is_gone()
    {
        using var scratch = new ScratchDirectory("warm-start-old-checkpoint");
        string first = SaveShiftedModel(Path.Combine(scratch.Location, "first"), "a", "1", shift: 0.05f);
        using var images = Images();
        string OldCheckpointRun(string name)
        {
            string output = Path.Combine(scratch.Location, name);
            var run = new TrainingRun(Tiny, Options(1), CPU, output) { InitialWeights = first };
            run.Train(images, cancellationToken: TestContext.Current.CancellationToken).Dispose();
            // What checkpoints written before phases (and the warm start with them) were recorded look like.
            string statePath = Path.Combine(run.CheckpointDirectory, "state.json");
            var state = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(statePath))!.AsObject();
            state.Remove("Phases");
            state.Remove("InitialisedFrom");
            File.WriteAllText(statePath, state.ToJsonString());
            return output;
        }

        string withFolder = OldCheckpointRun("with-folder");
        string withoutFolder = OldCheckpointRun("without-folder");
        var named = new TrainingRun(Tiny, Options(2), CPU, withFolder) { InitialWeights = first };
        named.Train(images, cancellationToken: TestContext.Current.CancellationToken).Dispose();
        Directory.Delete(first, recursive: true);
        var unknown = new TrainingRun(Tiny, Options(2), CPU, withoutFolder) { InitialWeights = first };
        unknown.Train(images, cancellationToken: TestContext.Current.CancellationToken).Dispose();

        Assert.Equal("a 1", named.InitialisedFrom?.ToString());
        Assert.True(unknown.Resumed);
        Assert.Equal(2, unknown.StepsTrained);
        Assert.Null(unknown.InitialisedFrom);
    }

    [Fact]
    public void Weights_of_another_architecture_are_refused_naming_both()
    {
        using var scratch = new ScratchDirectory("warm-start-mismatch");
        string saved = SaveShiftedModel(Path.Combine(scratch.Location, "saved"), "demo", "v3");
        using var images = Images();
        var wider = Tiny with { ModelChannels = 64, NumHeadChannels = 64 };

        var error = Assert.Throws<InvalidModelConfigException>(() =>
            new TrainingRun(wider, Options(1), CPU, Path.Combine(scratch.Location, "run")) { InitialWeights = saved }.Train(images, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("ModelChannels = 32", error.Message, StringComparison.Ordinal);
        Assert.Contains("ModelChannels = 64", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_refused_run_disposes_the_model_it_built()
    {
        using var scratch = new ScratchDirectory("warm-start-mismatch-leak");
        string saved = SaveShiftedModel(Path.Combine(scratch.Location, "saved"), "demo", "v3");
        using var images = Images();
        var wider = Tiny with { ModelChannels = 64, NumHeadChannels = 64 };
        var run = new TrainingRun(wider, Options(1), CPU, Path.Combine(scratch.Location, "run")) { InitialWeights = saved };

        // Refused after the network is built (the saved weights are read into it), which on a GPU holds device memory.
        LiveTensors.AssertLeavesOnlyWhatADisposedNetworkLeaves(
            wider,
            () => Assert.Throws<InvalidModelConfigException>(() => run.Train(images, cancellationToken: TestContext.Current.CancellationToken)));
    }

    [Fact]
    public void A_resume_at_another_image_size_is_refused_naming_the_option_and_both_sizes()
    {
        using var scratch = new ScratchDirectory("resume-other-size");
        string output = Path.Combine(scratch.Location, "run");
        using var images = Images();
        new TrainingRun(Tiny, Options(1), CPU, output).Train(images, cancellationToken: TestContext.Current.CancellationToken).Dispose();

        // One level of the same widths: every weight has the same shape at size 16, so only the record can tell.
        var larger = new TrainingRun(Tiny with { ImageSize = 16 }, Options(2), CPU, output);
        var error = Assert.Throws<TrainingCheckpointMismatchException>(() => larger.Train(images, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("image size 8, the run asks for 16", error.Message, StringComparison.Ordinal);
        Assert.Contains("--size 8", error.Message, StringComparison.Ordinal);
        var attention = Assert.Throws<TrainingCheckpointMismatchException>(() => TrainingCheckpoint.RequireSameModel(larger.CheckpointDirectory, Tiny with { AttentionResolutions = "1" }));
        Assert.Contains("attention factors 16, the run asks for 1", attention.Message, StringComparison.Ordinal);

        // Nothing was trained by the refused runs: the recorded configuration resumes at step 1.
        var same = new TrainingRun(Tiny, Options(2), CPU, output);
        same.Train(images, cancellationToken: TestContext.Current.CancellationToken).Dispose();
        Assert.Equal(2, same.StepsTrained);
    }

    [Fact]
    public void A_checkpoint_from_before_the_model_configuration_was_recorded_resumes_as_before()
    {
        using var scratch = new ScratchDirectory("resume-unrecorded-model");
        string output = Path.Combine(scratch.Location, "run");
        using var images = Images();
        var first = new TrainingRun(Tiny, Options(1), CPU, output);
        first.Train(images, cancellationToken: TestContext.Current.CancellationToken).Dispose();
        string statePath = Path.Combine(first.CheckpointDirectory, "state.json");
        var state = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(statePath))!.AsObject();
        Assert.Equal(8, state["Model"]!["ImageSize"]!.GetValue<int>());

        // What checkpoints written before the record look like.
        state.Remove("Model");
        File.WriteAllText(statePath, state.ToJsonString());

        var resumed = new TrainingRun(Tiny, Options(2), CPU, output);
        resumed.Train(images, cancellationToken: TestContext.Current.CancellationToken).Dispose();
        Assert.True(resumed.Resumed);
        Assert.Equal(2, resumed.StepsTrained);
    }

    [Fact]
    public void A_spent_time_limit_stops_after_one_step_with_a_checkpoint_and_the_next_sitting_finishes_the_run()
    {
        using var scratch = new ScratchDirectory("time-limit");
        string output = Path.Combine(scratch.Location, "run");
        using var images = Images();

        var limited = new TrainingRun(Tiny, Options(5), CPU, output) { TimeLimit = TimeSpan.Zero };
        limited.Train(images, cancellationToken: TestContext.Current.CancellationToken).Dispose();
        Assert.Equal((TrainingStop.TimeLimit, 1), (limited.StoppedBy, limited.StepsTrained));
        Assert.True(TrainingCheckpoint.Exists(limited.CheckpointDirectory));

        var next = new TrainingRun(Tiny, Options(5), CPU, output);
        next.Train(images, cancellationToken: TestContext.Current.CancellationToken).Dispose();
        Assert.True(next.Resumed);
        Assert.Equal((TrainingStop.Completed, 5), (next.StoppedBy, next.StepsTrained));
    }

    [Theory]
    [InlineData("loss.csv")]
    [InlineData("model/model-card.json")]
    [InlineData("model/model.safetensors")]
    public void A_folder_holding_a_run_s_results_without_a_checkpoint_is_refused_before_anything_is_written(string result)
    {
        using var scratch = new ScratchDirectory("results-without-checkpoint");
        string output = Path.Combine(scratch.Location, "Doe_Jane");
        string kept = Path.Combine(output, result);
        Directory.CreateDirectory(Path.GetDirectoryName(kept)!);
        File.WriteAllText(kept, "an earlier run's");
        using var images = Images();

        var error = Assert.Throws<TrainingOutputInUseException>(() => new TrainingRun(Tiny, Options(1), CPU, output).Train(images, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains(Path.Combine(result.Split('/')), error.Message, StringComparison.Ordinal);
        Assert.StartsWith("The --out folder holds a trained run's results", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Doe_Jane", error.Message, StringComparison.Ordinal); // named by the option: paths can carry patient names
        Assert.Equal("an earlier run's", File.ReadAllText(kept));
        Assert.False(Directory.Exists(TrainingRun.CheckpointDirectoryIn(output)));
    }

    [Fact]
    public void A_finished_run_with_its_checkpoint_resumes_rather_than_being_refused()
    {
        using var scratch = new ScratchDirectory("results-with-checkpoint");
        string output = Path.Combine(scratch.Location, "run");
        using var images = Images();
        new TrainingRun(Tiny, Options(1), CPU, output).Train(images, cancellationToken: TestContext.Current.CancellationToken).Dispose();

        var resumed = new TrainingRun(Tiny, Options(2), CPU, output);
        resumed.Train(images, cancellationToken: TestContext.Current.CancellationToken).Dispose();

        Assert.True(resumed.Resumed);
        Assert.Equal(2, resumed.StepsTrained);
    }

    [Fact]
    public void A_cancelled_sitting_trains_nothing_more_and_says_so()
    {
        using var scratch = new ScratchDirectory("cancelled");
        using var images = Images();
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        var run = new TrainingRun(Tiny, Options(5), CPU, Path.Combine(scratch.Location, "run"));
        run.Train(images, cancellationToken: cancelled.Token).Dispose();

        Assert.Equal((TrainingStop.Cancelled, 0), (run.StoppedBy, run.StepsTrained));
    }

    [Fact]
    public void The_seed_fixes_a_fresh_runs_starting_weights()
    {
        using var scratch = new ScratchDirectory("seeded-start");
        using var images = Images();

        using var first = StartingWeights(Options(1), images, Path.Combine(scratch.Location, "first"));
        using var again = StartingWeights(Options(1), images, Path.Combine(scratch.Location, "again"));
        using var other = StartingWeights(Options(1) with { Seed = 6 }, images, Path.Combine(scratch.Location, "other"));

        var (a, b, c) = (first.state_dict(), again.state_dict(), other.state_dict());
        Assert.All(a, kv => Assert.True(kv.Value.allclose(b[kv.Key], 0, 0), $"{kv.Key} differs between two runs with seed 5"));
        Assert.Contains(a, kv => !kv.Value.allclose(c[kv.Key], 0, 0));
    }

    [Fact]
    public void Seeded_starting_weights_keep_the_default_ranges_and_the_zero_initialised_layers()
    {
        using var scratch = new ScratchDirectory("seeded-start-ranges");
        using var images = Images();

        using var model = StartingWeights(Options(1), images, Path.Combine(scratch.Location, "run"));

        var layers = model.named_parameters().Where(p => p.name.EndsWith(".weight", StringComparison.Ordinal) && p.parameter.dim() >= 2).ToList();
        Assert.NotEmpty(layers);
        foreach (var (name, weight) in layers)
        {
            double largest = weight.abs().max().item<float>();
            double bound = 1 / Math.Sqrt(weight.numel() / (double)weight.shape[0]);
            bool zeroModule = name.EndsWith("out_layers.3.weight", StringComparison.Ordinal) || name.EndsWith("proj_out.weight", StringComparison.Ordinal) || name == "out.2.weight";
            Assert.True(zeroModule ? largest == 0 : largest <= bound && largest > bound / 2, $"{name}: largest |w| {largest}, bound {bound}");
        }
    }

    /// <summary>The weights a run starts from: a sitting cancelled before its first step returns them untouched.</summary>
    private static UNet StartingWeights(TrainingOptions options, Tensor images, string output)
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        return new TrainingRun(Tiny, options, CPU, output).Train(images, cancellationToken: cancelled.Token);
    }

    private static Tensor Images()
    {
        var grid = linspace(-1, 1, Tiny.ImageSize);
        var xx = grid.view(1, 1, 1, Tiny.ImageSize);
        var yy = grid.view(1, 1, Tiny.ImageSize, 1);
        return (exp(-((xx * xx) + (yy * yy)) * 4) * 2) - 1 + zeros(4, 1, 1, 1);
    }

    /// <summary>Saves a fresh UNet with every parameter shifted, so that it differs clearly from any new initialisation.</summary>
    private static string SaveShiftedModel(string directory, string name, string version, float shift = 0.05f, System.Text.Json.Nodes.JsonObject? trainingArgs = null)
    {
        using var model = new UNet(Tiny);
        using (no_grad())
        {
            foreach (var parameter in model.parameters())
            {
                parameter.add_(shift);
            }
        }

        var provenance = new Provenance { Source = "training", TrainingArgs = trainingArgs };
        ModelPackage.Save(directory, model, new ModelCard { Name = name, Version = version, Architecture = Tiny, Preprocessing = new Preprocessing { ImageSize = Tiny.ImageSize }, Provenance = provenance });
        return directory;
    }

    private static double MaxDifference(UNet model, string savedDirectory)
    {
        using var scope = NewDisposeScope();
        var (saved, _) = ModelPackage.Load(savedDirectory, CPU);
        using (saved)
        {
            var expected = saved.state_dict();
            return model.state_dict().Max(kv => (kv.Value - expected[kv.Key]).abs().max().item<float>());
        }
    }
}
