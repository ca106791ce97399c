using System.Globalization;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Spectre.Console;
using Synomaly.Cli.Commands;
using Synomaly.Diffusion.Weights;
using Synomaly.Testing;

namespace Synomaly.Cli.Tests;

[Collection(ConsoleDisplayCollection.Name)]
public sealed class TrainCommandTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("synomaly-train-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    private static readonly string[] TinyModel =
        ["--size", "32", "--model-channels", "32", "--channel-mult", "1,2", "--res-blocks", "1", "--attention", "2", "--head-channels", "32", "--batch", "2", "--loss", "mse", "--device", "cpu"];

    private static string Slices => Path.Combine(TestPaths.Data, "brain-mri-ixi-t1", "val");

    [Fact]
    public async Task A_spent_time_budget_exports_a_loadable_model_whose_card_names_the_steps_trained()
    {
        string output = Path.Combine(_scratch, "run");

        int code = await CommandRunner.RunAsync(["train", Slices, "--out", output, "--steps", "100000", "--max-minutes", "0.0001", .. TinyModel]);

        Assert.Equal(0, code);
        var card = ModelPackage.LoadCard(Path.Combine(output, "model"));
        int steps = card.Provenance!.TrainingArgs!["Steps"]!.GetValue<int>();
        Assert.InRange(steps, 1, 99_999);
    }

    [Fact]
    public async Task A_training_file_that_cannot_be_read_is_reported_by_error_type_never_by_its_file_name()
    {
        // A link to nowhere is listed with the folder but cannot be opened: a file error, whose own message quotes the path.
        string data = Directory.CreateDirectory(Path.Combine(_scratch, "data")).FullName;
        File.Copy(Directory.GetFiles(Slices, "*.png").Order(StringComparer.Ordinal).First(), Path.Combine(data, "sub-01.png"));
        File.CreateSymbolicLink(Path.Combine(data, "sub-02_Miller_Max.png"), Path.Combine(_scratch, "gone.png"));

        var (code, error) = await StandardError.Capture(["train", data, "--out", Path.Combine(_scratch, "run"), "--steps", "1", .. TinyModel]);

        Assert.Equal(1, code);
        // Told by the argument, as a folder that cannot be listed is: before, "cannot read the input (FileNotFoundException)".
        Assert.Contains("cannot read the input given to <input> (FileNotFoundException)", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Miller", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sub-01_Miller_Max")]
    [InlineData("sub-01_Miller_Max/*.png")]
    public async Task Training_data_that_names_nothing_on_disk_is_told_so_never_as_an_unreadable_file_nor_by_its_name(string missing)
    {
        // A mistyped folder or pattern: before, the line read "cannot read the input (FileNotFoundException)" (or
        // DirectoryNotFoundException), as for a file that exists but cannot be opened, which sent users looking at permissions.
        var (code, error) = await StandardError.Capture(["train", Path.Combine(_scratch, missing), "--out", Path.Combine(_scratch, "run"), "--steps", "1", .. TinyModel]);

        Assert.Equal(1, code);
        Assert.StartsWith("error: no file, folder or pattern matches the input given to <input> (InputNotFoundException)", error.Trim(), StringComparison.Ordinal);
        Assert.DoesNotContain("Miller", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_scratch, "run")));
    }

    [Fact]
    public async Task An_empty_training_folder_is_told_so_without_its_path()
    {
        // Before: "No usable slice in '<the folder>': it names no file.", quoting the path.
        string empty = Directory.CreateDirectory(Path.Combine(_scratch, "sub-01_Miller_Max")).FullName;

        var (code, error) = await StandardError.Capture(["train", empty, "--out", Path.Combine(_scratch, "run"), "--steps", "1", .. TinyModel]);

        Assert.Equal(1, code);
        Assert.Equal("error: No usable slice: the folder, pattern or manifest given to <input> names no file.", error.Trim());
        Assert.False(Directory.Exists(Path.Combine(_scratch, "run", "checkpoint")), "nothing may be trained on no data");
    }

    [Fact]
    public async Task A_text_file_that_is_no_manifest_is_told_to_be_read_as_one_never_as_an_unreadable_file_nor_by_its_lines()
    {
        // A .txt input is a manifest; before, a page of notes gave "cannot read the input (FileNotFoundException)".
        string notes = Path.Combine(_scratch, "notes.txt");
        await File.WriteAllLinesAsync(notes, ["Healthy volunteers, Miller Max excluded", "# a comment is no path", "", "see the study protocol"], TestContext.Current.CancellationToken);

        var (code, error) = await StandardError.Capture(["train", notes, "--out", Path.Combine(_scratch, "run"), "--steps", "1", .. TinyModel]);

        Assert.Equal(1, code);
        Assert.StartsWith(
            "error: 2 of the 2 paths listed in the manifest given to <input> name nothing on disk: a .txt or .list input is a manifest, one image path per line, relative to the manifest (InputNotFoundException)",
            error.Trim(),
            StringComparison.Ordinal);
        Assert.DoesNotContain("Miller", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_scratch, "run")));
    }

    [Fact]
    public async Task A_manifest_that_lists_a_file_twice_is_refused_by_its_lines_before_any_training()
    {
        // Before, both lines were kept and the slice was trained on twice; the slice the copied line was meant to name, never.
        string data = Directory.CreateDirectory(Path.Combine(_scratch, "Doe_Jane")).FullName;
        var slices = Directory.GetFiles(Slices, "*.png").Order(StringComparer.Ordinal).Take(2).ToList();
        slices.ForEach(slice => File.Copy(slice, Path.Combine(data, Path.GetFileName(slice))));
        string manifest = Path.Combine(data, "train.txt");
        await File.WriteAllLinesAsync(manifest, [Path.GetFileName(slices[0]), Path.GetFileName(slices[1]), Path.Combine(data, Path.GetFileName(slices[0]))], TestContext.Current.CancellationToken);

        var (code, error) = await StandardError.Capture(["train", manifest, "--out", Path.Combine(_scratch, "run"), "--steps", "1", .. TinyModel]);

        Assert.Equal(1, code);
        Assert.Equal("error: Line 3 of the manifest given to <input> lists the file that line 1 lists already: list each file once.", error.Trim());
        Assert.False(Directory.Exists(Path.Combine(_scratch, "run", "checkpoint")), "nothing may be trained on a list with a mistake");
    }

    [Fact]
    public async Task A_cancelled_training_is_checkpointed_and_exits_130_rather_than_reporting_done()
    {
        string output = Path.Combine(_scratch, "cancelled");
        string[] Train(string steps) => ["train", Slices, "--out", output, "--steps", steps, .. TinyModel];

        // Cancelled once the data is read, before its first step: checkpointed, nothing to export.
        Assert.Equal(TrainCommand.CancelledExitCode, await CancelledOnceLoaded(Train("5")));
        Assert.True(Directory.Exists(Path.Combine(output, "checkpoint")), "a cancelled run still checkpoints, so the same command resumes");
        Assert.False(Directory.Exists(Path.Combine(output, "model")));

        // Cancelled after a step was trained: exported as far as it got, and still not "done".
        Assert.Equal(0, await SynomalyCommand.Create().Parse(Train("1")).InvokeAsync(cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal(TrainCommand.CancelledExitCode, await CancelledOnceLoaded(Train("5")));
        var card = ModelPackage.LoadCard(Path.Combine(output, "model"));
        Assert.Equal(1, card.Provenance!.TrainingArgs!["Steps"]!.GetValue<int>());
    }

    [Fact]
    public async Task Reading_the_training_data_shows_its_progress_before_training_starts()
    {
        // Reading a large set takes minutes, and before, nothing was printed until it was read: the run looked hung.
        string data = Directory.CreateDirectory(Path.Combine(_scratch, "data")).FullName;
        foreach (var file in Directory.GetFiles(Slices, "*.png").Order(StringComparer.Ordinal).Take(3))
        {
            File.Copy(file, Path.Combine(data, Path.GetFileName(file)));
        }

        var (code, output) = await StandardError.CaptureAll(["train", data, "--out", Path.Combine(_scratch, "run"), "--steps", "1", .. TinyModel]);

        Assert.Equal(0, code);
        int reading = output.IndexOf("Reading 3 training files", StringComparison.Ordinal);
        Assert.True(reading >= 0, output);
        Assert.True(reading < output.IndexOf(" slices from ", StringComparison.Ordinal), "the reading progress comes before the count of slices read");
    }

    [Fact]
    public async Task Ctrl_c_while_the_data_is_read_stops_train_with_exit_130_and_nothing_written()
    {
        // Reading a large set takes minutes; before, the token was first looked at by the trainer, so Ctrl-C waited for
        // every file to be read and then wrote a checkpoint of an untrained network.
        string output = Path.Combine(_scratch, "cancelled-loading");

        var (code, error) = await StandardError.CaptureCancelled(["train", Slices, "--out", output, "--steps", "5", .. TinyModel]);

        Assert.Equal(TrainCommand.CancelledExitCode, code);
        Assert.Equal("cancelled: train stopped while reading the training data; nothing was written.", error.Trim());
        Assert.False(Directory.Exists(output), "nothing may be written when the run is cancelled before training");
    }

    /// <summary>
    /// Runs train and presses Ctrl-C as soon as it has read its data, which it says in the line counting the slices, before
    /// its first step: the point from which a cancelled run checkpoints.
    /// </summary>
    private static async Task<int> CancelledOnceLoaded(string[] args)
    {
        using var cancel = new CancellationTokenSource();
        var original = AnsiConsole.Console;
        using var writer = new CancellingWriter(cancel, " slices from ");
        AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer), Interactive = InteractionSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        try
        {
            return await SynomalyCommand.Create().Parse(args).InvokeAsync(cancellationToken: cancel.Token);
        }
        finally
        {
            AnsiConsole.Console = original;
        }
    }

    /// <summary>Cancels <paramref name="cancel"/> once the text written to it holds <paramref name="trigger"/>.</summary>
    private sealed class CancellingWriter(CancellationTokenSource cancel, string trigger) : StringWriter(CultureInfo.InvariantCulture)
    {
        public override void Write(char value)
        {
            base.Write(value);
            CancelOnTrigger();
        }

        public override void Write(string? value)
        {
            base.Write(value);
            CancelOnTrigger();
        }

        public override void Write(char[] buffer, int index, int count)
        {
            base.Write(buffer, index, count);
            CancelOnTrigger();
        }

        private void CancelOnTrigger()
        {
            if (!cancel.IsCancellationRequested && ToString().Contains(trigger, StringComparison.Ordinal))
            {
                cancel.Cancel();
            }
        }
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("NaN")]
    public async Task A_negative_or_undefined_time_budget_is_refused_before_any_training(string minutes)
    {
        string output = Path.Combine(_scratch, "refused");

        int code = await CommandRunner.RunAsync(["train", Slices, "--out", output, "--max-minutes", minutes, .. TinyModel]);

        Assert.Equal(2, code);
        Assert.False(Directory.Exists(Path.Combine(output, "checkpoint")), "nothing may be trained after a refused option");
    }

    [Theory]
    [InlineData("--lr", "NaN")]
    [InlineData("--lr", "Infinity")]
    [InlineData("--ema", "NaN")]
    public async Task A_learning_rate_or_ema_decay_that_is_not_finite_is_refused_before_any_training(string option, string value)
    {
        string output = Path.Combine(_scratch, "not-finite");

        var (code, errors) = await StandardError.Capture(["train", Slices, "--out", output, "--steps", "1", option, value, .. TinyModel]);

        Assert.Equal(2, code);
        Assert.Contains(option, errors, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output), "nothing may be trained or written after a refused option");
    }

    [Fact]
    public async Task A_max_timestep_beyond_the_schedule_is_refused_by_name_before_any_training()
    {
        string output = Path.Combine(_scratch, "beyond-schedule");

        var (code, errors) = await StandardError.Capture(["train", Slices, "--out", output, "--steps", "1", "--max-timestep", "5000", .. TinyModel]);

        Assert.Equal(2, code);
        Assert.Contains("--max-timestep", errors, StringComparison.Ordinal);
        Assert.Contains("1000", errors, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output), "nothing may be trained or written after a refused option");
    }

    [Theory]
    [InlineData("liver-ct", 1e-4, 12)]
    [InlineData("brain-mri", 1e-5, 8)]
    public async Task A_fresh_run_without_lr_or_batch_trains_at_the_reference_s_values_for_its_modality(string modality, double learningRate, int batchSize)
    {
        string output = Path.Combine(_scratch, "modality-" + modality);

        int code = await CommandRunner.RunAsync(["train", Slices, "--out", output, "--steps", "1", "--modality", modality, "--loss", "mse", .. TinyNetwork]);

        Assert.Equal(0, code);
        var args = ModelPackage.LoadCard(Path.Combine(output, "model")).Provenance!.TrainingArgs!;
        Assert.Equal(learningRate, args["LearningRate"]!.GetValue<double>());
        Assert.Equal(batchSize, args["BatchSize"]!.GetValue<int>());
    }

    [Fact]
    public async Task Weight_decay_and_the_clipping_norm_are_options_recorded_in_the_card_and_its_phase()
    {
        string output = Path.Combine(_scratch, "decay");

        int code = await CommandRunner.RunAsync(["train", Slices, "--out", output, "--steps", "1", "--weight-decay", "0.01", "--clip-norm", "0.5", .. TinyModel]);

        Assert.Equal(0, code);
        var args = ModelPackage.LoadCard(Path.Combine(output, "model")).Provenance!.TrainingArgs!;
        Assert.Equal(0.01, args["WeightDecay"]!.GetValue<double>());
        Assert.Equal(0.5, args["GradientClipNorm"]!.GetValue<double>());
        var settings = Assert.Single(args["Phases"]!.AsArray())!["Settings"]!;
        Assert.Equal(0.01, settings["WeightDecay"]!.GetValue<double>());
        Assert.Equal(0.5, settings["GradientClipNorm"]!.GetValue<double>());
    }

    [Fact]
    public async Task Decimal_options_are_read_with_a_decimal_point_on_a_machine_whose_language_writes_a_comma()
    {
        string output = Path.Combine(_scratch, "german");

        // German writes 1,5 and reads '.' as a group separator: 1.5e-4 would be 15e-4, 0.5 would be 5.
        int code = await GermanCulture.Run(() => CommandRunner.RunAsync(
            ["train", Slices, "--out", output, "--steps", "1", "--lr", "1.5e-4", "--clip-norm", "0.5", "--noise-offset", "0.5", .. TinyModel]));

        Assert.Equal(0, code);
        var args = ModelPackage.LoadCard(Path.Combine(output, "model")).Provenance!.TrainingArgs!;
        Assert.Equal(1.5e-4, args["LearningRate"]!.GetValue<double>());
        Assert.Equal(0.5, args["GradientClipNorm"]!.GetValue<double>());
        Assert.Equal(0.5, args["Offset"]!.GetValue<double>());
    }

    [Theory]
    [InlineData("--weight-decay", "-0.1")]
    [InlineData("--weight-decay", "NaN")]
    [InlineData("--clip-norm", "0")]
    [InlineData("--clip-norm", "Infinity")]
    public async Task A_weight_decay_or_clipping_norm_out_of_range_is_refused_by_name_before_any_training(string option, string value)
    {
        string output = Path.Combine(_scratch, "bad-decay");

        var (code, errors) = await StandardError.Capture(["train", Slices, "--out", output, "--steps", "1", option, value, .. TinyModel]);

        Assert.Equal(2, code);
        Assert.Contains($"({option}) must be", errors, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output), "nothing may be trained or written after a refused option");
    }

    [Theory]
    [InlineData("33")]
    [InlineData("0")]
    public async Task A_size_the_network_cannot_halve_exactly_is_refused_before_any_training(string size)
    {
        string output = Path.Combine(_scratch, "bad-size");

        string[] model = [.. TinyModel.Select((a, i) => i > 0 && TinyModel[i - 1] == "--size" ? size : a)];

        var (code, errors) = await StandardError.Capture(["train", Slices, "--out", output, "--steps", "1", .. model]);

        Assert.Equal(2, code);
        Assert.Contains("--size", errors, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output), "nothing may be trained or written after a refused option");
    }

    [Fact]
    public async Task A_resume_with_another_model_option_is_a_usage_error_naming_that_option_before_the_data_is_read()
    {
        string output = Path.Combine(_scratch, "Doe_Jane-resized");
        Assert.Equal(0, await CommandRunner.RunAsync(["train", Slices, "--out", output, "--steps", "1", .. TinyModel]));
        (string Option, string Value, string Differs)[] changes =
        [
            ("--size", "64", "image size 32, the run asks for 64"),
            ("--model-channels", "64", "model channels 32, the run asks for 64"),
            ("--channel-mult", "1,1", "channel multipliers 1,2, the run asks for 1,1"),
            ("--res-blocks", "2", "residual blocks per level 1, the run asks for 2"),
            ("--attention", "1", "attention factors 2, the run asks for 1"),
            ("--head-channels", "16", "channels per attention head 32, the run asks for 16"),
        ];

        foreach (var (option, value, differs) in changes)
        {
            string[] changed = [.. TinyModel.Select((a, i) => i > 0 && TinyModel[i - 1] == option ? value : a)];

            // Input that does not exist: only a refusal made before the data is read can name the option.
            var (code, errors) = await StandardError.Capture(["train", Path.Combine(_scratch, "no-data"), "--out", output, "--steps", "2", .. changed]);

            Assert.Equal(2, code);
            Assert.StartsWith($"error: {option}: The checkpoint in the output folder ", errors, StringComparison.Ordinal);
            Assert.DoesNotContain("Doe_Jane", errors, StringComparison.Ordinal);
            Assert.Contains(differs, errors, StringComparison.Ordinal);
            Assert.Single(errors.Trim().Split('\n'));
        }

        Assert.Equal(1, ModelPackage.LoadCard(Path.Combine(output, "model")).Provenance!.TrainingArgs!["Steps"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_resume_with_another_seed_precision_modality_sampling_region_mask_or_no_ema_is_a_usage_error_naming_the_option_before_the_data_is_read()
    {
        string output = Path.Combine(_scratch, "Doe_Jane-resumed");
        Assert.Equal(0, await CommandRunner.RunAsync(["train", Slices, "--out", output, "--steps", "1", "--ema", "0.9", .. TinyModel]));
        (string Option, string Value, string Differs)[] changes =
        [
            ("--seed", "99", "was made with seed 1234, the run asks for 99"),
            ("--precision", "bf16", "was trained in fp32, the run asks for bf16"),
            ("--modality", "liver-ct", "was trained on brain-mri images, the run asks for liver-ct"),
            ("--sampling", "replacement", "took its batches by epoch sampling, the run asks for replacement"),
            ("--region-mask", "centred-disk", "was trained with region mask none, the run asks for centred-disk"),
            ("--ema", "0", "keeps EMA weights, and the run asks for none"),
        ];

        foreach (var (option, value, differs) in changes)
        {
            // Input that does not exist: only a refusal made before the data is read can name the option.
            var (code, errors) = await StandardError.Capture(["train", Path.Combine(_scratch, "no-data"), "--out", output, "--steps", "2", option, value, .. TinyModel]);

            Assert.True(code == 2, $"{option} {value} exited {code}: {errors}");
            Assert.StartsWith($"error: {option}: The checkpoint in the output folder ", errors, StringComparison.Ordinal);
            Assert.DoesNotContain("Doe_Jane", errors, StringComparison.Ordinal);
            Assert.Contains(differs, errors, StringComparison.Ordinal);
            Assert.Single(errors.Trim().Split('\n'));
        }

        Assert.Equal(1, ModelPackage.LoadCard(Path.Combine(output, "model")).Provenance!.TrainingArgs!["Steps"]!.GetValue<int>());
    }

    /// <summary>A folder of the first <paramref name="count"/> validation slices.</summary>
    private string SliceFolder(string name, int count)
    {
        string folder = Path.Combine(_scratch, name);
        Directory.CreateDirectory(folder);
        foreach (string slice in Directory.GetFiles(Slices, "*.png").Order(StringComparer.Ordinal).Take(count))
        {
            File.Copy(slice, Path.Combine(folder, Path.GetFileName(slice)));
        }

        return folder;
    }

    [Fact]
    public async Task A_resume_already_at_its_steps_says_there_is_nothing_to_train_and_exports_the_model_as_trained()
    {
        // Re-running with --steps at or below the checkpoint's step (the documented way to export) printed a progress bar
        // at 0% and "Training done", as if it had trained.
        string output = Path.Combine(_scratch, "run");
        Assert.Equal(0, await CommandRunner.RunAsync(["train", Slices, "--out", output, "--steps", "2", .. TinyModel]));

        var (code, printed) = await StandardError.CaptureAll(["train", Slices, "--out", output, "--steps", "1", .. TinyModel]);

        Assert.Equal(0, code);
        Assert.Contains("The checkpoint is at step 2 (--steps 1): nothing to train; the model is exported as trained to step 2.", printed, StringComparison.Ordinal);
        Assert.Equal(2, ModelPackage.LoadCard(Path.Combine(output, "model")).Provenance!.TrainingArgs!["Steps"]!.GetValue<int>());
    }

    [Fact]
    public async Task An_out_folder_inside_the_training_data_is_no_training_data_so_the_same_command_resumes()
    {
        // `train . --out run1` from the data folder: the second sitting listed the run's own loss.png, model and checkpoint
        // among the training files and was refused for a changed file count (and loss.png is a PNG a looser check would
        // have trained on as a scan).
        string data = SliceFolder("data", 3);
        string[] Train(string steps) => ["train", data, "--out", Path.Combine(data, "run"), "--steps", steps, .. TinyModel];

        Assert.Equal(0, await CommandRunner.RunAsync(Train("1")));
        var (code, error) = await StandardError.Capture(Train("2"));

        Assert.Equal((0, ""), (code, error.Trim()));
        Assert.Equal(2, ModelPackage.LoadCard(Path.Combine(data, "run", "model")).Provenance!.TrainingArgs!["Steps"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_resume_listing_another_number_of_training_files_is_a_usage_error_naming_the_input_before_the_data_is_decoded()
    {
        string output = Path.Combine(_scratch, "Doe_Jane-four-files");
        Assert.Equal(0, await CommandRunner.RunAsync(["train", SliceFolder("four", 4), "--out", output, "--steps", "1", .. TinyModel]));
        // Three files that are no images: decoding them would end in "No usable slice", so only a refusal made from the
        // listing can name the counts.
        string three = Path.Combine(_scratch, "three");
        Directory.CreateDirectory(three);
        for (int i = 0; i < 3; i++)
        {
            File.WriteAllText(Path.Combine(three, $"sub-0{i}_T1w.png"), "not an image");
        }

        var (code, errors) = await StandardError.Capture(["train", three, "--out", output, "--steps", "2", .. TinyModel]);

        Assert.Equal(2, code);
        Assert.StartsWith("error: input: The checkpoint in the output folder ", errors, StringComparison.Ordinal);
        Assert.DoesNotContain("Doe_Jane", errors, StringComparison.Ordinal);
        Assert.Contains("was trained on 4 training files, the run lists 3", errors, StringComparison.Ordinal);
        Assert.Single(errors.Trim().Split('\n'));
        Assert.Equal(1, ModelPackage.LoadCard(Path.Combine(output, "model")).Provenance!.TrainingArgs!["Steps"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_resume_whose_files_give_another_number_of_images_is_a_usage_error_naming_the_input()
    {
        string output = Path.Combine(_scratch, "Doe_Jane-four-images");
        string data = SliceFolder("four-slices", 4);
        Assert.Equal(0, await CommandRunner.RunAsync(["train", data, "--out", output, "--steps", "1", .. TinyModel]));
        // As many files, one of them now blank (left out): the image count is only known once the files are decoded.
        string first = Directory.GetFiles(data).Order(StringComparer.Ordinal).First();
        using (var black = new Image<L8>(32, 32, new L8(0)))
        {
            await black.SaveAsPngAsync(first, TestContext.Current.CancellationToken);
        }

        var (code, errors) = await StandardError.Capture(["train", data, "--out", output, "--steps", "2", .. TinyModel]);

        Assert.Equal(2, code);
        Assert.StartsWith("error: input: The checkpoint in the output folder ", errors, StringComparison.Ordinal);
        Assert.DoesNotContain("Doe_Jane", errors, StringComparison.Ordinal);
        Assert.Contains("an epoch of 4 images, the run has 3", errors, StringComparison.Ordinal);
        Assert.Equal(1, ModelPackage.LoadCard(Path.Combine(output, "model")).Provenance!.TrainingArgs!["Steps"]!.GetValue<int>());
    }

    [Fact]
    public async Task An_init_from_model_of_another_network_or_none_at_all_is_a_usage_error_before_the_data_is_read()
    {
        string saved = Path.Combine(_scratch, "saved");
        Assert.Equal(0, await CommandRunner.RunAsync(["train", Slices, "--out", saved, "--steps", "1", .. TinyModel]));
        string[] wider = [.. TinyModel.Select((a, i) => i > 0 && TinyModel[i - 1] == "--model-channels" ? "64" : a)];
        string noData = Path.Combine(_scratch, "no-data"); // only a refusal made before the data is read can name the option

        var (otherCode, otherError) = await StandardError.Capture(
            ["train", noData, "--out", Path.Combine(_scratch, "warm"), "--steps", "1", "--init-from", Path.Combine(saved, "model"), .. wider]);
        var (missingCode, missingError) = await StandardError.Capture(
            ["train", noData, "--out", Path.Combine(_scratch, "warm"), "--steps", "1", "--init-from", Path.Combine(_scratch, "no-model"), .. TinyModel]);

        Assert.Equal((2, 2), (otherCode, missingCode));
        Assert.Equal("error: --init-from: the saved model was trained with model channels 32, the run asks for 64: give --model-channels 32, or start from another model.", otherError.Trim());
        Assert.StartsWith("error: --init-from: cannot read the saved model's card: No model-card.json in the model folder.", missingError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_scratch, "warm")), "nothing may be trained or written after a refused option");
    }

    [Theory]
    [InlineData("--model-channels", "0")]
    [InlineData("--model-channels", "-32")]
    [InlineData("--model-channels", "48")] // GroupNorm's 32 groups cannot split 48 channels
    [InlineData("--res-blocks", "0")]
    [InlineData("--channel-mult", "1,x")]
    [InlineData("--attention", "two")]
    [InlineData("--head-channels", "0")]
    [InlineData("--head-channels", "48")] // the 64 channels of the attention blocks do not split into heads of 48
    public async Task A_model_option_the_network_cannot_be_built_with_is_a_usage_error_naming_it_before_any_training(string option, string value)
    {
        string output = Path.Combine(_scratch, "bad-model");
        string[] model = [.. TinyModel.Select((a, i) => i > 0 && TinyModel[i - 1] == option ? value : a)];

        var (code, errors) = await StandardError.Capture(["train", Slices, "--out", output, "--steps", "1", .. model]);

        Assert.Equal(2, code);
        Assert.StartsWith($"error: {option}: ", errors, StringComparison.Ordinal);
        Assert.Single(errors.Trim().Split('\n'));
        Assert.False(Directory.Exists(output), "nothing may be trained or written after a refused option");
    }

    [Fact]
    public async Task An_attention_list_no_level_of_the_network_reaches_is_a_usage_error_naming_the_levels_factors()
    {
        // The tiny network's two levels are at factors 1 and 2: --attention 8 placed no attention block, yet the card said "8".
        string output = Path.Combine(_scratch, "no-attention");
        string[] model = [.. TinyModel.Select((a, i) => i > 0 && TinyModel[i - 1] == "--attention" ? "8,16" : a)];

        var (code, errors) = await StandardError.Capture(["train", Slices, "--out", output, "--steps", "1", .. model]);

        Assert.Equal(2, code);
        Assert.Equal(
            "error: --attention 8,16 places no attention block: the network's 2 levels (--channel-mult) are at downsample factors 1 and 2; list at least one of them.",
            errors.Trim());
        Assert.False(Directory.Exists(output), "nothing may be trained or written after a refused option");
    }

    [Fact]
    public async Task A_fresh_run_into_a_finished_run_s_folder_without_its_checkpoint_is_refused_as_a_usage_error_and_leaves_the_model_alone()
    {
        string output = Path.Combine(_scratch, "finished");
        Assert.Equal(0, await CommandRunner.RunAsync(["train", Slices, "--out", output, "--steps", "1", .. TinyModel]));
        Directory.Delete(Path.Combine(output, "checkpoint"), recursive: true);
        byte[] weights = File.ReadAllBytes(Path.Combine(output, "model", ModelPackage.WeightsFile));
        string losses = File.ReadAllText(Path.Combine(output, "loss.csv"));

        var (code, errors) = await StandardError.Capture(["train", Slices, "--out", output, "--steps", "1", "--seed", "99", .. TinyModel]);

        // The --out given cannot be used and nothing ran: a usage error, as evaluate's unusable --out.
        Assert.Equal(2, code);
        Assert.Contains("(model/model.safetensors, model/model-card.json, loss.csv) but no checkpoint/ to resume from", errors, StringComparison.Ordinal);
        Assert.Contains("give another --out", errors, StringComparison.Ordinal);
        Assert.Single(errors.Trim().Split('\n'));
        Assert.Equal(weights, File.ReadAllBytes(Path.Combine(output, "model", ModelPackage.WeightsFile)));
        Assert.Equal(losses, File.ReadAllText(Path.Combine(output, "loss.csv")));
        Assert.False(Directory.Exists(Path.Combine(output, "checkpoint")), "nothing may be trained into a folder that was refused");
    }

    /// <summary>The tiny network without the settings a resume may change (batch, loss), which tests give themselves.</summary>
    private static readonly string[] TinyNetwork =
        ["--size", "32", "--model-channels", "32", "--channel-mult", "1,2", "--res-blocks", "1", "--attention", "2", "--head-channels", "32", "--device", "cpu"];

    [Fact]
    public async Task A_resume_without_the_settings_options_goes_on_with_the_checkpoint_s_last_phase_and_a_given_one_starts_a_new_phase()
    {
        string output = Path.Combine(_scratch, "resumed-settings");
        Assert.Equal(0, await CommandRunner.RunAsync(
            ["train", Slices, "--out", output, "--steps", "1", "--batch", "3", "--lr", "5e-4", "--loss", "mse", "--ema", "0.9", "--max-timestep", "300", "--flips", "false", .. TinyNetwork]));

        // The same run resumed without repeating its settings: they must not fall back to the command line's defaults.
        Assert.Equal(0, await CommandRunner.RunAsync(["train", Slices, "--out", output, "--steps", "2", .. TinyNetwork]));

        var args = ModelPackage.LoadCard(Path.Combine(output, "model")).Provenance!.TrainingArgs!;
        Assert.Equal(5e-4, args["LearningRate"]!.GetValue<double>());
        Assert.Equal(3, args["BatchSize"]!.GetValue<int>());
        Assert.Equal("Mse", args["Loss"]!.GetValue<string>());
        Assert.Equal(0.9, args["EmaDecay"]!.GetValue<double>());
        Assert.Equal(300, args["MaxTimestep"]!.GetValue<int>());
        Assert.False(args["RandomFlips"]!.GetValue<bool>());
        var phase = Assert.Single(args["Phases"]!.AsArray());
        Assert.Equal(2, phase!["ToStep"]!.GetValue<int>());

        // A value given on the command line still starts a new phase, the others carried over.
        Assert.Equal(0, await CommandRunner.RunAsync(["train", Slices, "--out", output, "--steps", "3", "--lr", "1.5e-4", .. TinyNetwork]));

        var phases = ModelPackage.LoadCard(Path.Combine(output, "model")).Provenance!.TrainingArgs!["Phases"]!.AsArray();
        Assert.Equal(2, phases.Count);
        var last = phases[1]!["Settings"]!;
        Assert.Equal(1.5e-4, last["LearningRate"]!.GetValue<double>());
        Assert.Equal(3, last["BatchSize"]!.GetValue<int>());
        Assert.Equal("Mse", last["Loss"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_resume_goes_on_with_the_checkpoint_s_noise_overrides_and_a_differing_one_is_refused_naming_the_option()
    {
        string output = Path.Combine(_scratch, "resumed-noise");
        Assert.Equal(0, await CommandRunner.RunAsync(["train", Slices, "--out", output, "--steps", "1", "--noise-direction", "1,-1", .. TinyModel]));

        // No preset has this direction, so only the checkpoint can give it back.
        int resumed = await CommandRunner.RunAsync(["train", Slices, "--out", output, "--steps", "2", .. TinyModel]);
        var (refused, errors) = await StandardError.Capture(["train", Slices, "--out", output, "--steps", "3", "--noise-direction", "1", .. TinyModel]);

        Assert.Equal((0, 2), (resumed, refused));
        var args = ModelPackage.LoadCard(Path.Combine(output, "model")).Provenance!.TrainingArgs!;
        Assert.Equal(2, args["Steps"]!.GetValue<int>());
        Assert.Equal([1.0, -1.0], args["Directions"]!.AsArray().Select(d => d!.GetValue<double>()));
        Assert.Contains("resume with --noise-direction 1,-1", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_loss_other_than_vlb_or_mse_is_refused_rather_than_trained_as_vlb()
    {
        string output = Path.Combine(_scratch, "l2");

        int code = await CommandRunner.RunAsync(["train", Slices, "--out", output, "--steps", "1", .. TinyModel.Select(a => a == "mse" ? "l2" : a)]);

        Assert.Equal(2, code);
        Assert.False(Directory.Exists(output), "nothing may be trained after a refused option");
    }

    [Theory]
    [InlineData("centred-disk", "centred-disk")]
    [InlineData("masks", "per-image")]
    public async Task The_region_mask_a_run_trained_with_is_recorded_in_the_card(string option, string recorded)
    {
        // Two slices and a mask folder that mirrors them (the masks are the slices themselves: non-zero is the head).
        string data = Path.Combine(_scratch, "data"), masks = Path.Combine(_scratch, "masks");
        Directory.CreateDirectory(data);
        Directory.CreateDirectory(masks);
        foreach (string slice in Directory.EnumerateFiles(Slices).Order(StringComparer.Ordinal).Take(2))
        {
            File.Copy(slice, Path.Combine(data, Path.GetFileName(slice)));
            File.Copy(slice, Path.Combine(masks, Path.GetFileName(slice)));
        }

        string output = Path.Combine(_scratch, "masked");
        string mask = option == "masks" ? masks : option;

        int code = await CommandRunner.RunAsync(["train", data, "--out", output, "--steps", "1", "--region-mask", mask, .. TinyModel]);

        Assert.Equal(0, code);
        var card = ModelPackage.LoadCard(Path.Combine(output, "model"));
        Assert.Equal(recorded, card.Provenance!.TrainingArgs!["RegionMask"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_region_mask_folder_that_does_not_exist_is_refused_before_any_training_by_the_option()
    {
        // Before, the line said "cannot read the input (DirectoryNotFoundException)": which input, it did not say.
        string output = Path.Combine(_scratch, "no-masks");

        var (code, error) = await StandardError.Capture(["train", Slices, "--out", output, "--steps", "1", "--region-mask", Path.Combine(_scratch, "Doe_Jane"), .. TinyModel]);

        Assert.Equal(1, code);
        Assert.StartsWith("error: no file, folder or pattern matches the input given to --region-mask (InputNotFoundException)", error.Trim(), StringComparison.Ordinal);
        Assert.DoesNotContain("Doe_Jane", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(output, "checkpoint")), "nothing may be trained without the masks");
    }

    [Fact]
    public async Task Missing_region_masks_are_refused_by_the_option_with_how_many_and_the_first_image_s_position()
    {
        string data = Path.Combine(_scratch, "Doe_Jane"), masks = Path.Combine(_scratch, "masks");
        Directory.CreateDirectory(data);
        Directory.CreateDirectory(masks);
        var slices = Directory.EnumerateFiles(Slices).Order(StringComparer.Ordinal).Take(2).ToList();
        slices.ForEach(slice => File.Copy(slice, Path.Combine(data, Path.GetFileName(slice))));
        File.Copy(slices[0], Path.Combine(masks, Path.GetFileName(slices[0])));
        string output = Path.Combine(_scratch, "masked");

        var (code, error) = await StandardError.Capture(["train", data, "--out", output, "--steps", "1", "--region-mask", masks, .. TinyModel]);

        Assert.Equal(1, code);
        Assert.Equal(
            "error: --region-mask: 1 of 2 training images have no region mask (a file with the same relative path in the folder), the first being file 2 of 2 in the training data.",
            error.Trim());
        Assert.False(Directory.Exists(Path.Combine(output, "checkpoint")), "nothing may be trained without the masks");
    }

    [Fact]
    public async Task A_folder_without_a_usable_slice_is_refused_with_the_count_of_each_reason()
    {
        string data = Path.Combine(_scratch, "unusable");
        Directory.CreateDirectory(data);
        await File.WriteAllBytesAsync(Path.Combine(data, "empty.png"), [], TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(data, "notes.png"), "not an image", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(data, "more-notes.png"), "still not an image", TestContext.Current.CancellationToken);
        string output = Path.Combine(_scratch, "unusable-run");

        var (code, error) = await StandardError.Capture(["train", data, "--out", output, "--steps", "1", .. TinyModel]);

        Assert.Equal(1, code);
        Assert.StartsWith("error: No usable slice in the training data (3 files): ", error.Trim(), StringComparison.Ordinal);
        Assert.DoesNotContain("unusable", error, StringComparison.Ordinal); // the folder's name: paths can carry patient names
        Assert.Contains("1 Empty", error, StringComparison.Ordinal);
        Assert.Contains("2 UnknownFormat", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(output, "checkpoint")), "nothing may be trained on no data");
    }

    [Fact]
    public async Task Blank_images_are_left_out_rather_than_trained_on_as_black_healthy_scans()
    {
        // A black and a uniformly grey slice: one intensity each, which min-max scaling would make all −1.
        string data = Path.Combine(_scratch, "blank");
        Directory.CreateDirectory(data);
        using (var black = new Image<L8>(32, 32, new L8(0)))
        using (var grey = new Image<L8>(32, 32, new L8(128)))
        {
            await black.SaveAsPngAsync(Path.Combine(data, "black.png"), TestContext.Current.CancellationToken);
            await grey.SaveAsPngAsync(Path.Combine(data, "grey.png"), TestContext.Current.CancellationToken);
        }

        string output = Path.Combine(_scratch, "blank-run");

        var (code, error) = await StandardError.Capture(["train", data, "--out", output, "--steps", "1", .. TinyModel]);

        Assert.Equal(1, code);
        Assert.Contains("No usable slice", error, StringComparison.Ordinal);
        Assert.Contains("2 read but with no slice the preset keeps (blank", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(output, "checkpoint")), "nothing may be trained on blank images");
    }
}
