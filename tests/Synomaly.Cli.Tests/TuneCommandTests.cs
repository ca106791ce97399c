using Synomaly.Diffusion.Inference;
using Synomaly.Diffusion.Weights;
using Synomaly.Testing;

namespace Synomaly.Cli.Tests;

[Collection(ConsoleDisplayCollection.Name)]
public sealed class TuneCommandTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("synomaly-tune-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    [Theory]
    [InlineData("binary", FusionMode.Binary, "Binary fusion")]
    [InlineData("none", FusionMode.None, "no fusion")]
    public async Task A_fusion_list_is_searched_and_the_winner_s_fusion_is_written_into_the_profile(string fusion, FusionMode expected, string described)
    {
        string model = TinyModelPackage.Save(Path.Combine(_scratch, "model"), "tiny");
        string output = Path.Combine(_scratch, "tuning");

        int code = await CommandRunner.RunAsync(["tune", "--model", model, "--data", SixSlices(), "--lesions-per-slice", "1", "--grid", "custom",
            "--t", "100", "--k", "3", "--theta", "0.2", "--fusion", fusion, "--min-component", "2", "--device", "cpu", "--out", output]);

        Assert.Equal(0, code);
        Assert.Equal(expected, ModelPackage.LoadCard(model).Profile("brain-mri").Fusion);
        Assert.Contains(described, File.ReadAllText(Path.Combine(output, "tuning.md")), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "reference")]
    [InlineData("any-truth", "any-truth")]
    public async Task The_image_label_rule_is_the_reference_s_unless_told_and_every_candidate_in_tuning_json_records_it(string? given, string recorded)
    {
        string model = TinyModelPackage.Save(Path.Combine(_scratch, "model"), "tiny");
        string output = Path.Combine(_scratch, "tuning");

        int code = await CommandRunner.RunAsync(["tune", "--model", model, "--data", SixSlices(), "--lesions-per-slice", "1", "--grid", "custom",
            "--t", "100", "--k", "3", "--theta", "0.2,0.3", "--min-component", "2", "--device", "cpu", "--out", output, .. given is null ? Array.Empty<string>() : ["--image-label", given]]);

        Assert.Equal(0, code);
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "tuning.json")));
        Assert.Equal([recorded, recorded], json.RootElement.EnumerateArray().Select(r => r.GetProperty("ImageLabel").GetString()));
    }

    [Fact]
    public async Task An_out_inside_the_data_folder_is_refused_before_anything_is_read_or_written()
    {
        // tune --data val --out val/tune wrote its tables into val/; the next evaluate --data val split another set of
        // files and refused to report, telling the user to give the same --data as tune, which they had.
        string model = TinyModelPackage.Save(Path.Combine(_scratch, "model"), "tiny");
        string data = SixSlices();
        string output = Path.Combine(data, "tuning");
        string card = File.ReadAllText(Path.Combine(model, ModelPackage.CardFile));

        var (code, error) = await StandardError.Capture(["tune", "--model", model, "--data", data, "--lesions-per-slice", "1", "--grid", "custom",
            "--t", "100", "--k", "3", "--theta", "0.2", "--min-component", "2", "--device", "cpu", "--out", output]);

        Assert.Equal(2, code);
        Assert.Equal(
            "error: --out lies inside --data: what tune and evaluate write there would be read as scans by the next run on --data (its split would change); give an --out outside it. Nothing was run.",
            error.Trim());
        Assert.False(Directory.Exists(output));
        Assert.Equal(card, File.ReadAllText(Path.Combine(model, ModelPackage.CardFile)));
    }

    [Fact]
    public async Task A_half_of_data_without_an_anomalous_slice_is_told_by_the_option_never_by_the_path()
    {
        // One slice: the split leaves the tuning half empty. Before: "... the tuning half of --data '<the folder>' ...",
        // quoting a path that can name a patient.
        string model = TinyModelPackage.Save(Path.Combine(_scratch, "model"), "tiny");
        string data = Directory.CreateDirectory(Path.Combine(_scratch, "sub-01_Miller_Max")).FullName;
        string slice = Directory.GetFiles(Path.Combine(TestPaths.Data, "brain-mri-ixi-t1", "val"), "*.png").Order(StringComparer.Ordinal).First();
        File.Copy(slice, Path.Combine(data, Path.GetFileName(slice)));

        var (code, error) = await StandardError.Capture(["tune", "--model", model, "--data", data, "--lesions-per-slice", "1", "--grid", "custom",
            "--t", "100", "--k", "3", "--theta", "0.2", "--min-component", "2", "--device", "cpu", "--out", Path.Combine(_scratch, "refused")]);

        Assert.Equal(1, code);
        Assert.Equal(
            "error: tune ranks settings by Dice on anomalous cases, and the tuning half of --data gives no slice with an inserted lesion (too few slices or subjects for both halves): nothing was run.",
            error.Trim());
    }

    [Fact]
    public async Task An_out_inside_the_normative_data_folder_is_refused_before_anything_is_read_or_written()
    {
        // tune --normative-data train --out train/tune: the next tune on the same --normative-data read tune's plots and
        // tables as healthy training slices (and train on that folder would train on them).
        string model = TinyModelPackage.Save(Path.Combine(_scratch, "model"), "tiny");
        string training = Slices("train", 4);
        string output = Path.Combine(training, "tuning");
        string card = File.ReadAllText(Path.Combine(model, ModelPackage.CardFile));

        var (code, error) = await StandardError.Capture(["tune", "--model", model, "--data", SixSlices(), "--lesions-per-slice", "1", "--grid", "custom",
            "--t", "100", "--k", "3", "--theta", "0.2", "--normative-data", training, "--normative-alpha", "0.5", "--device", "cpu", "--out", output]);

        Assert.Equal(2, code);
        Assert.Equal(
            "error: --out lies inside --normative-data: what tune and evaluate write there would be read as scans by the next run on --normative-data; give an --out outside it. Nothing was run.",
            error.Trim());
        Assert.False(Directory.Exists(output));
        Assert.Equal(card, File.ReadAllText(Path.Combine(model, ModelPackage.CardFile)));
    }

    [Fact]
    public async Task An_out_reached_through_a_symlink_into_the_data_folder_is_refused()
    {
        // The same folder under another spelling: a full-path comparison let 'link/tuning' through for --data 'val'.
        string model = TinyModelPackage.Save(Path.Combine(_scratch, "model"), "tiny");
        string data = SixSlices();
        string link = Directory.CreateSymbolicLink(Path.Combine(_scratch, "val-link"), data).FullName;
        string output = Path.Combine(link, "tuning");

        var (code, error) = await StandardError.Capture(["tune", "--model", model, "--data", data, "--lesions-per-slice", "1", "--grid", "custom",
            "--t", "100", "--k", "3", "--theta", "0.2", "--min-component", "2", "--device", "cpu", "--out", output]);

        Assert.Equal(2, code);
        Assert.StartsWith("error: --out lies inside --data:", error.Trim(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(data, "tuning")));
    }

    [Fact]
    public async Task A_validation_file_that_cannot_be_read_is_told_by_its_option_never_by_its_name()
    {
        // A link to nowhere is listed with the folder but cannot be opened: the split hashes it (no sub-<id>, so it is known
        // by its bytes). Before, the line read "cannot read the input (FileNotFoundException)": which input, it did not say.
        string model = TinyModelPackage.Save(Path.Combine(_scratch, "model"), "tiny");
        string data = SixSlices();
        File.CreateSymbolicLink(Path.Combine(data, "Miller_Max.png"), Path.Combine(_scratch, "gone.png"));
        string output = Path.Combine(_scratch, "tuning");

        var (code, error) = await StandardError.Capture(["tune", "--model", model, "--data", data, "--lesions-per-slice", "1", "--grid", "custom",
            "--t", "100", "--k", "3", "--theta", "0.2", "--min-component", "2", "--device", "cpu", "--out", output]);

        Assert.Equal(1, code);
        Assert.StartsWith("error: cannot read the input given to --data (FileNotFoundException)", error.Trim(), StringComparison.Ordinal);
        Assert.DoesNotContain("Miller", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output), "nothing may be written for a set that cannot be read");
    }

    [Fact]
    public async Task A_normative_file_that_cannot_be_read_is_told_by_its_option_never_by_its_name()
    {
        // Read first where tune compares the normative files with the sets tuned and reported on, which mixes the inputs:
        // before, "cannot read the input (FileNotFoundException)" said neither --normative-data nor --data.
        string model = TinyModelPackage.Save(Path.Combine(_scratch, "model"), "tiny");
        string before = File.ReadAllText(Path.Combine(model, ModelPackage.CardFile));
        string training = Slices("train", 2);
        File.CreateSymbolicLink(Path.Combine(training, "Miller_Max.png"), Path.Combine(_scratch, "gone.png"));

        var (code, error) = await StandardError.Capture(["tune", "--model", model, "--data", SixSlices(), "--lesions-per-slice", "1", "--grid", "custom",
            "--t", "100", "--k", "3", "--theta", "0.2", "--normative-data", training, "--normative-alpha", "0.5", "--device", "cpu", "--out", Path.Combine(_scratch, "tuning")]);

        Assert.Equal(1, code);
        Assert.StartsWith("error: cannot read the input given to --normative-data (FileNotFoundException)", error.Trim(), StringComparison.Ordinal);
        Assert.DoesNotContain("Miller", error, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(Path.Combine(model, ModelPackage.CardFile)));
    }

    [Fact]
    public async Task An_out_through_a_loop_of_links_is_refused_by_its_option_without_its_path()
    {
        // Read only "an I/O error" once IO errors were told without their text, which quotes the path.
        string model = TinyModelPackage.Save(Path.Combine(_scratch, "model"), "tiny");
        File.CreateSymbolicLink(Path.Combine(_scratch, "Doe_Jane"), Path.Combine(_scratch, "loop"));
        File.CreateSymbolicLink(Path.Combine(_scratch, "loop"), Path.Combine(_scratch, "Doe_Jane"));

        var (code, error) = await StandardError.Capture(["tune", "--model", model, "--data", SixSlices(), "--lesions-per-slice", "1", "--grid", "custom",
            "--t", "100", "--k", "3", "--theta", "0.2", "--min-component", "2", "--device", "cpu", "--out", Path.Combine(_scratch, "Doe_Jane", "tuning")]);

        Assert.Equal(2, code);
        Assert.Equal("error: --out goes through a symbolic link loop (or a chain longer than 40 links): give a path without one. Nothing was run.", error.Trim());
    }

    [Fact]
    public async Task Tuning_into_another_profile_leaves_the_card_s_default_profile_and_says_so()
    {
        string model = TinyModelPackage.Save(Path.Combine(_scratch, "model"), "tiny");

        var (code, output) = await StandardError.CaptureAll(["tune", "--model", model, "--data", SixSlices(), "--lesions-per-slice", "1", "--grid", "custom",
            "--t", "100", "--k", "3", "--theta", "0.2", "--min-component", "2", "--profile", "experiment", "--device", "cpu", "--out", Path.Combine(_scratch, "tuning")]);

        Assert.Equal(0, code);
        var card = ModelPackage.LoadCard(model);
        Assert.Equal("brain-mri", card.DefaultProfile);
        Assert.Equal(0.2, card.Profile("experiment").Threshold);
        Assert.Contains("The card's default profile is 'brain-mri' (unchanged; --make-default makes 'experiment' the default).", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task It_says_how_many_candidates_it_searches_and_its_help_that_the_reference_grid_is_large()
    {
        // Before, only a bar "tuning on N cases": nothing said the default grid is 240 points, hours on a CPU.
        string model = TinyModelPackage.Save(Path.Combine(_scratch, "model"), "tiny");

        var (code, output) = await StandardError.CaptureAll(["tune", "--model", model, "--data", SixSlices(), "--lesions-per-slice", "1", "--grid", "custom",
            "--t", "100", "--k", "3", "--theta", "0.2,0.3", "--noise-draws", "1,2", "--min-component", "2", "--device", "cpu", "--out", Path.Combine(_scratch, "tuning")]);
        var (helpCode, help) = await StandardError.CaptureAll(["tune", "--help"]);

        Assert.Equal((0, 0), (code, helpCode));
        Assert.Contains("Searching 4 candidates on ", output, StringComparison.Ordinal);
        Assert.Contains("240 candidates", string.Join(' ', help.Split([' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tuning_the_profile_the_card_s_reporting_metrics_describe_removes_them_and_says_so()
    {
        string model = TinyModelPackage.Save(Path.Combine(_scratch, "model"), "tiny");
        var measured = new Dictionary<string, double> { ["reporting.adaptive.dice"] = 0.9, ["reporting.anomalous_cases"] = 3, ["training.final_loss"] = 0.1 };
        ModelPackage.SaveCard(model, ModelPackage.LoadCard(model) with { Metrics = measured });

        var (code, output) = await StandardError.CaptureAll(["tune", "--model", model, "--data", SixSlices(), "--lesions-per-slice", "1", "--grid", "custom",
            "--t", "100", "--k", "3", "--theta", "0.25", "--min-component", "2", "--device", "cpu", "--out", Path.Combine(_scratch, "tuning")]);

        Assert.Equal(0, code);
        Assert.Equal(["training.final_loss"], ModelPackage.LoadCard(model).Metrics.Keys);
        Assert.Contains("The card's reporting metrics (metrics.reporting.*) were removed: they were measured with profile 'brain-mri' as it was", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Make_default_makes_the_tuned_profile_the_card_s_default()
    {
        string model = TinyModelPackage.Save(Path.Combine(_scratch, "model"), "tiny");

        var (code, output) = await StandardError.CaptureAll(["tune", "--model", model, "--data", SixSlices(), "--lesions-per-slice", "1", "--grid", "custom",
            "--t", "100", "--k", "3", "--theta", "0.2", "--min-component", "2", "--profile", "experiment", "--make-default", "--device", "cpu", "--out", Path.Combine(_scratch, "tuning")]);

        Assert.Equal(0, code);
        Assert.Equal("experiment", ModelPackage.LoadCard(model).DefaultProfile);
        Assert.Contains("The card's default profile is 'experiment'.", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_stop_rule_and_floor_chosen_for_tuning_are_written_into_the_profile()
    {
        string model = TinyModelPackage.Save(Path.Combine(_scratch, "model"), "tiny");
        string output = Path.Combine(_scratch, "tuning");
        string scaled = Path.Combine(_scratch, "tuning-scaled");
        string data = SixSlices();
        string[] grid = ["--t", "100", "--k", "3", "--theta", "0.2", "--min-component", "2", "--device", "cpu"];

        int code = await CommandRunner.RunAsync(["tune", "--model", model, "--data", data, "--lesions-per-slice", "1", "--grid", "custom", .. grid, "--stop-rule", "Paper", "--out", output]);
        var paper = ModelPackage.LoadCard(model).Profile("brain-mri");
        int scaledCode = await CommandRunner.RunAsync(["tune", "--model", model, "--data", data, "--lesions-per-slice", "1", "--grid", "custom", .. grid, "--stop-floor", "area-scaled", "--out", scaled]);
        var areaScaled = ModelPackage.LoadCard(model).Profile("brain-mri");

        Assert.Equal((0, 0), (code, scaledCode));
        Assert.Equal((StopRule.Paper, StopFloor.Reference), (paper.StopRule, paper.StopFloor));
        Assert.Contains("paper stop rule", File.ReadAllText(Path.Combine(output, "tuning.md")), StringComparison.Ordinal);
        Assert.Equal((StopRule.Released, StopFloor.AreaScaled), (areaScaled.StopRule, areaScaled.StopFloor));
        Assert.Contains("area-scaled stop floor", File.ReadAllText(Path.Combine(scaled, "tuning.md")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_min_component_tune_scales_the_references_30_pixels_to_the_model_size()
    {
        string model = TinyModelPackage.Save(Path.Combine(_scratch, "model"), "tiny");
        string output = Path.Combine(_scratch, "tuning");

        int code = await CommandRunner.RunAsync(["tune", "--model", model, "--data", SixSlices(), "--lesions-per-slice", "1", "--grid", "custom",
            "--t", "100", "--k", "3", "--theta", "0.2", "--device", "cpu", "--out", output]);

        // 30 px at 128 px is 30·(32/128)² = 1.875, so 2 px for the 32-px model.
        Assert.Equal(0, code);
        Assert.Equal(2, ModelPackage.LoadCard(model).Profile("brain-mri").MinComponentSize);
        Assert.Contains("min component 2 px", File.ReadAllText(Path.Combine(output, "tuning.md")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_candidate_s_metrics_and_their_bootstrap_intervals_are_written_as_json()
    {
        string model = TinyModelPackage.Save(Path.Combine(_scratch, "model"), "tiny");
        string output = Path.Combine(_scratch, "tuning");

        int code = await CommandRunner.RunAsync(["tune", "--model", model, "--data", SixSlices(), "--lesions-per-slice", "1", "--grid", "custom",
            "--t", "100", "--k", "3", "--theta", "0.15,0.2", "--min-component", "2", "--device", "cpu", "--out", output]);

        Assert.Equal(0, code);
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "tuning.json")));
        var candidates = json.RootElement.EnumerateArray().ToList();
        Assert.Equal(2, candidates.Count);
        Assert.All(candidates, c => Assert.Equal(2, c.GetProperty("FalsePositivePixelsPerHealthySliceCi95").GetArrayLength()));
        Assert.All(candidates, c => Assert.Equal(2, c.GetProperty("PixelAveragePrecisionCi95").GetArrayLength()));
    }

    [Fact]
    public async Task An_unknown_fusion_mode_is_refused_and_the_card_is_left_alone()
    {
        string model = TinyModelPackage.Save(Path.Combine(_scratch, "model"), "tiny");
        string before = File.ReadAllText(Path.Combine(model, ModelPackage.CardFile));

        int code = await CommandRunner.RunAsync(["tune", "--model", model, "--data", SixSlices(), "--grid", "custom", "--fusion", "soft,hard",
            "--device", "cpu", "--out", Path.Combine(_scratch, "refused")]);

        Assert.Equal(2, code);
        Assert.Equal(before, File.ReadAllText(Path.Combine(model, ModelPackage.CardFile)));
    }

    [Theory]
    [InlineData("--grid", "refrence")]
    [InlineData("--noise-seeding", "slice")]
    [InlineData("--stop-rule", "figure")]
    [InlineData("--stop-floor", "scaled")]
    public async Task A_misspelt_choice_is_refused_rather_than_read_as_the_default(string option, string value)
    {
        string model = TinyModelPackage.Save(Path.Combine(_scratch, "model"), "tiny");
        string before = File.ReadAllText(Path.Combine(model, ModelPackage.CardFile));

        int code = await CommandRunner.RunAsync(["tune", "--model", model, "--data", SixSlices(), option, value, "--device", "cpu", "--out", Path.Combine(_scratch, "refused")]);

        Assert.Equal(2, code);
        Assert.Equal(before, File.ReadAllText(Path.Combine(model, ModelPackage.CardFile)));
        Assert.False(Directory.Exists(Path.Combine(_scratch, "refused")), "nothing may run after a refused option");
    }

    [Theory]
    [InlineData("--t", "100", new string[0])]
    [InlineData("--k", "3", new[] { "--grid", "compact" })]
    [InlineData("--theta", "0.2", new[] { "--grid", "reference" })]
    public async Task A_custom_grid_value_without_grid_custom_is_refused_rather_than_ignored_for_another_grid(string option, string value, string[] grid)
    {
        string model = TinyModelPackage.Save(Path.Combine(_scratch, "model"), "tiny");
        string before = File.ReadAllText(Path.Combine(model, ModelPackage.CardFile));

        var (code, error) = await StandardError.Capture(["tune", "--model", model, "--data", SixSlices(), "--lesions-per-slice", "1", .. grid, option, value,
            "--min-component", "2", "--device", "cpu", "--out", Path.Combine(_scratch, "refused")]);

        Assert.Equal(2, code);
        Assert.Contains($"{option}: the values of a custom grid, searched only with --grid custom", error, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(Path.Combine(model, ModelPackage.CardFile)));
        Assert.False(Directory.Exists(Path.Combine(_scratch, "refused")), "nothing may run after a refused option");
    }

    [Fact]
    public async Task Normative_thresholds_are_searched_on_training_slices_and_the_winner_s_factors_go_into_the_profile()
    {
        string model = TinyModelPackage.Save(Path.Combine(_scratch, "model"), "tiny");
        string output = Path.Combine(_scratch, "tuning");

        int code = await CommandRunner.RunAsync(["tune", "--model", model, "--data", SixSlices(), "--lesions-per-slice", "1", "--grid", "custom",
            "--t", "100", "--k", "3", "--theta", "0.2", "--normative-data", Slices("train", 4), "--normative-alpha", "0.5",
            "--min-component", "2", "--device", "cpu", "--out", output]);

        Assert.Equal(0, code);
        var normative = ModelPackage.LoadCard(model).Profile("brain-mri").NormativeThreshold;
        Assert.NotNull(normative);
        Assert.Equal((0.5, 4, 32 * 32), (normative.Alpha, normative.HealthySlices, normative.Scale.Length));
        Assert.Contains(normative.Scale, f => f != 1f);
        Assert.Contains("normative θ (α=0.5)", File.ReadAllText(Path.Combine(output, "tuning.md")), StringComparison.Ordinal);
        Assert.True(new FileInfo(Path.Combine(output, "normative-threshold.png")).Length > 0);
        // Four subjects, each by its sub-<id> and by its slice's bytes.
        Assert.Equal(8, ModelPackage.LoadCard(model).Profile("brain-mri").NormativeSubjects!.Count);
    }

    [Fact]
    public async Task Whatever_the_reporting_half_holds_tune_searches_measures_and_chooses_the_same()
    {
        // A tripwire for every way tune could read the reporting half as data (the cases it ranks, the healthy residual of
        // the normative threshold, the slices that decide the winner): the reporting half's slices are replaced by other
        // subjects' under the same names (the split, drawn from the names, is the same), and nothing tune writes may move.
        string validation = SixSlices();
        var (_, reporting) = Synomaly.Evaluation.SubjectSplit.Split(Directory.GetFiles(validation, "*.png"), cancellationToken: TestContext.Current.CancellationToken);
        string training = Slices("train", 4);

        var before = await TuneAsync("before");
        var others = Directory.GetFiles(Path.Combine(TestPaths.Data, "brain-mri-ixi-t1", "train"), "*.png").Order(StringComparer.Ordinal).Skip(10).ToArray();
        for (int i = 0; i < reporting.Count; i++)
        {
            File.Copy(others[i], reporting[i], overwrite: true);
        }

        var after = await TuneAsync("after");

        Assert.NotEmpty(reporting);
        Assert.Equal(before.Ranking, after.Ranking);
        Assert.Equal(before.Profile, after.Profile);

        async Task<(string Ranking, string Profile)> TuneAsync(string name)
        {
            string model = TinyModelPackage.Save(Path.Combine(_scratch, name), "tiny");
            string output = Path.Combine(_scratch, name + "-tuning");
            Assert.Equal(0, await CommandRunner.RunAsync(["tune", "--model", model, "--data", validation, "--lesions-per-slice", "1", "--grid", "custom",
                "--t", "100", "--k", "3", "--theta", "0.1,0.2", "--normative-data", training, "--normative-alpha", "0,0.5",
                "--min-component", "2", "--device", "cpu", "--out", output]));
            return (File.ReadAllText(Path.Combine(output, "tuning.json")),
                System.Text.Json.JsonSerializer.Serialize(ModelPackage.LoadCard(model).Profile("brain-mri"), ModelCard.JsonOptions));
        }
    }

    [Fact]
    public async Task Evaluate_refuses_to_report_on_the_slices_the_normative_threshold_was_measured_on()
    {
        string model = TinyModelPackage.Save(Path.Combine(_scratch, "model"), "tiny");
        string training = Slices("train", 4);
        Assert.Equal(0, await CommandRunner.RunAsync(["tune", "--model", model, "--data", SixSlices(), "--lesions-per-slice", "1", "--grid", "custom",
            "--t", "100", "--k", "3", "--theta", "0.2", "--normative-data", training, "--normative-alpha", "0.5",
            "--min-component", "2", "--device", "cpu", "--out", Path.Combine(_scratch, "tuning")]));

        int code = await CommandRunner.RunAsync(["evaluate", "--model", model, "--healthy", training, "--device", "cpu", "--out", Path.Combine(_scratch, "report")]);

        Assert.Equal(2, code);
        Assert.False(File.Exists(Path.Combine(_scratch, "report", "evaluation.md")));
    }

    [Fact]
    public async Task Normative_data_that_names_nothing_on_disk_is_told_by_its_option_never_by_its_path()
    {
        // Beside --data: "the input given" did not say which of the two was mistyped.
        string model = TinyModelPackage.Save(Path.Combine(_scratch, "model"), "tiny");

        var (code, error) = await StandardError.Capture(["tune", "--model", model, "--data", SixSlices(), "--lesions-per-slice", "1", "--grid", "custom",
            "--t", "100", "--k", "3", "--theta", "0.2", "--normative-data", Path.Combine(_scratch, "sub-01_Miller_Max", "*.png"), "--normative-alpha", "0.5",
            "--device", "cpu", "--out", Path.Combine(_scratch, "refused")]);

        Assert.Equal(1, code);
        Assert.StartsWith("error: no file, folder or pattern matches the input given to --normative-data (InputNotFoundException)", error.Trim(), StringComparison.Ordinal);
        Assert.DoesNotContain("Miller", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validation_slices_as_normative_data_are_refused_and_the_card_is_left_alone()
    {
        string model = TinyModelPackage.Save(Path.Combine(_scratch, "model"), "tiny");
        string before = File.ReadAllText(Path.Combine(model, ModelPackage.CardFile));
        string validation = SixSlices();

        int code = await CommandRunner.RunAsync(["tune", "--model", model, "--data", validation, "--grid", "custom", "--t", "100", "--k", "3", "--theta", "0.2",
            "--normative-data", validation, "--device", "cpu", "--out", Path.Combine(_scratch, "refused")]);

        Assert.Equal(2, code);
        Assert.Equal(before, File.ReadAllText(Path.Combine(model, ModelPackage.CardFile)));
    }

    [Fact]
    public async Task Validation_slices_reached_through_a_symlinked_folder_are_refused_as_normative_data()
    {
        string model = TinyModelPackage.Save(Path.Combine(_scratch, "model"), "tiny");
        string before = File.ReadAllText(Path.Combine(model, ModelPackage.CardFile));
        string validation = SixSlices();
        string link = Directory.CreateSymbolicLink(Path.Combine(_scratch, "val-link"), validation).FullName;

        var (code, error) = await StandardError.Capture(["tune", "--model", model, "--data", validation, "--lesions-per-slice", "1", "--grid", "custom",
            "--t", "100", "--k", "3", "--theta", "0.2", "--normative-data", link, "--normative-alpha", "0.5", "--device", "cpu", "--out", Path.Combine(_scratch, "refused")]);

        Assert.Equal(2, code);
        Assert.Contains("--normative-data holds validation slices", error, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(Path.Combine(model, ModelPackage.CardFile)));
    }

    [Fact]
    public async Task A_symlink_to_a_validation_slice_among_the_normative_data_is_refused()
    {
        string model = TinyModelPackage.Save(Path.Combine(_scratch, "model"), "tiny");
        string before = File.ReadAllText(Path.Combine(model, ModelPackage.CardFile));
        string validation = SixSlices();
        string training = Slices("train", 2);
        string reported = Directory.GetFiles(validation).Order(StringComparer.Ordinal).Last();
        File.CreateSymbolicLink(Path.Combine(training, "extra.png"), reported);

        var (code, error) = await StandardError.Capture(["tune", "--model", model, "--data", validation, "--lesions-per-slice", "1", "--grid", "custom",
            "--t", "100", "--k", "3", "--theta", "0.2", "--normative-data", training, "--normative-alpha", "0.5", "--device", "cpu", "--out", Path.Combine(_scratch, "refused")]);

        Assert.Equal(2, code);
        Assert.Contains("--normative-data holds validation slices", error, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(Path.Combine(model, ModelPackage.CardFile)));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_hard_link_or_copy_of_a_validation_slice_among_the_normative_data_is_refused_by_count(bool hardLink)
    {
        string model = TinyModelPackage.Save(Path.Combine(_scratch, "model"), "tiny");
        string before = File.ReadAllText(Path.Combine(model, ModelPackage.CardFile));
        string validation = SixSlices();
        string training = Slices("train", 2);
        string reported = Directory.GetFiles(validation).Order(StringComparer.Ordinal).Last();
        // Another path and real path, and a name without the subject id: only the bytes are the validation slice's.
        string extra = Path.Combine(training, "extra.png");
        if (hardLink)
        {
            HardLink.Create(reported, extra);
        }
        else
        {
            File.Copy(reported, extra);
        }

        var (code, error) = await StandardError.Capture(["tune", "--model", model, "--data", validation, "--lesions-per-slice", "1", "--grid", "custom",
            "--t", "100", "--k", "3", "--theta", "0.2", "--normative-data", training, "--normative-alpha", "0.5", "--device", "cpu", "--out", Path.Combine(_scratch, "refused")]);

        Assert.Equal(2, code);
        Assert.Contains("--normative-data holds validation slices (1 of its files, links followed and contents compared, are files of the set", error, StringComparison.Ordinal);
        Assert.DoesNotContain("extra", error, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(Path.Combine(model, ModelPackage.CardFile)));
    }

    [Fact]
    public async Task An_empty_data_folder_is_refused_as_an_empty_set_before_any_work_and_the_card_is_left_alone()
    {
        string model = TinyModelPackage.Save(Path.Combine(_scratch, "model"), "tiny");
        string before = File.ReadAllText(Path.Combine(model, ModelPackage.CardFile));
        string empty = Directory.CreateDirectory(Path.Combine(_scratch, "empty")).FullName;

        var (code, error) = await StandardError.Capture(["tune", "--model", model, "--data", empty, "--grid", "custom", "--t", "100", "--k", "3", "--theta", "0.2",
            "--device", "cpu", "--out", Path.Combine(_scratch, "refused")]);

        Assert.Equal(1, code);
        Assert.Contains("--data names no file (an empty folder, a pattern that matches nothing or an empty manifest)", error, StringComparison.Ordinal);
        Assert.DoesNotContain(empty, error, StringComparison.Ordinal); // paths can carry patient names
        Assert.Equal(before, File.ReadAllText(Path.Combine(model, ModelPackage.CardFile)));
        Assert.False(Directory.Exists(Path.Combine(_scratch, "refused")), "nothing may run on an empty set");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    public async Task Fewer_than_one_lesion_per_slice_is_refused_naming_the_option_and_the_card_is_left_alone(string perSlice)
    {
        string model = TinyModelPackage.Save(Path.Combine(_scratch, "model"), "tiny");
        string before = File.ReadAllText(Path.Combine(model, ModelPackage.CardFile));

        var (code, error) = await StandardError.Capture(["tune", "--model", model, "--data", SixSlices(), "--lesions-per-slice", perSlice, "--grid", "custom",
            "--t", "100", "--k", "3", "--theta", "0.2", "--device", "cpu", "--out", Path.Combine(_scratch, "refused")]);

        Assert.Equal(2, code);
        Assert.Contains($"--lesions-per-slice must be at least 1 (got {perSlice})", error, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(Path.Combine(model, ModelPackage.CardFile)));
        Assert.False(Directory.Exists(Path.Combine(_scratch, "refused")), "nothing may run after a refused option");
    }

    [Fact]
    public async Task A_cancelled_tune_exits_130_with_one_line_and_writes_neither_results_nor_the_card()
    {
        string model = TinyModelPackage.Save(Path.Combine(_scratch, "model"), "tiny");
        string before = File.ReadAllText(Path.Combine(model, ModelPackage.CardFile));
        string output = Path.Combine(_scratch, "cancelled");

        var (code, error) = await StandardError.CaptureCancelled(["tune", "--model", model, "--data", SixSlices(), "--lesions-per-slice", "1", "--grid", "custom",
            "--t", "100", "--k", "3", "--theta", "0.15,0.2", "--min-component", "2", "--device", "cpu", "--out", output]);

        Assert.Equal(130, code);
        Assert.Equal("cancelled: tune stopped before the end; no results were written and the model card is unchanged.", error.Trim());
        Assert.Equal(before, File.ReadAllText(Path.Combine(model, ModelPackage.CardFile)));
        Assert.False(File.Exists(Path.Combine(output, "tuning.md")));
        Assert.False(File.Exists(Path.Combine(output, "tuning.json")));
    }

    [Fact]
    public async Task A_tune_cancelled_before_its_set_is_built_stops_before_reading_a_slice_and_leaves_no_output()
    {
        string model = TinyModelPackage.Save(Path.Combine(_scratch, "model"), "tiny");
        string output = Path.Combine(_scratch, "cancelled");
        string data = SixSlices();
        // Every slice is unreadable: a build that went on despite the cancellation would fail on the first it read (exit 1).
        foreach (var slice in Directory.GetFiles(data))
        {
            File.WriteAllText(slice, "not an image");
        }

        var (code, error) = await StandardError.CaptureCancelled(["tune", "--model", model, "--data", data, "--lesions-per-slice", "1", "--grid", "custom",
            "--t", "100", "--k", "3", "--theta", "0.2", "--min-component", "2", "--device", "cpu", "--out", output]);

        Assert.Equal(130, code);
        Assert.Equal("cancelled: tune stopped before the end; no results were written and the model card is unchanged.", error.Trim());
        Assert.False(Directory.Exists(output), "a cancelled tune may leave no --out folder");
    }

    [Fact]
    public async Task A_tune_cancelled_while_its_data_is_split_stops_before_hashing_a_file_and_leaves_no_output()
    {
        string model = TinyModelPackage.Save(Path.Combine(_scratch, "model"), "tiny");
        string output = Path.Combine(_scratch, "cancelled");
        string data = SixSlices();
        // A file without a sub-<id> is its own subject, known by the hash of its bytes, and this one cannot be opened: a
        // split that hashed it despite the cancellation would fail there (exit 1) rather than stop (130).
        File.CreateSymbolicLink(Path.Combine(data, "unreadable.png"), Path.Combine(_scratch, "missing.png"));

        var (code, error) = await StandardError.CaptureCancelled(["tune", "--model", model, "--data", data, "--lesions-per-slice", "1", "--grid", "custom",
            "--t", "100", "--k", "3", "--theta", "0.2", "--min-component", "2", "--device", "cpu", "--out", output]);

        Assert.Equal(130, code);
        Assert.Equal("cancelled: tune stopped before the end; no results were written and the model card is unchanged.", error.Trim());
        Assert.False(Directory.Exists(output), "a cancelled tune may leave no --out folder");
    }

    [Theory]
    [InlineData("--t", "150,abc")]
    [InlineData("--k", "x")]
    [InlineData("--theta", "0.1,NaN")]
    [InlineData("--noise-draws", "one")]
    [InlineData("--normative-alpha", "half")]
    public async Task A_list_item_that_is_not_a_number_is_refused_naming_the_option_and_the_item(string option, string list)
    {
        string model = TinyModelPackage.Save(Path.Combine(_scratch, "model"), "tiny");
        string before = File.ReadAllText(Path.Combine(model, ModelPackage.CardFile));
        string bad = list.Split(',')[^1];
        // Normative weights are read only with the data they weigh (without it they are refused as such).
        string[] normative = option == "--normative-alpha" ? ["--normative-data", Slices("train", 2)] : [];

        var (code, error) = await StandardError.Capture(["tune", "--model", model, "--data", SixSlices(), "--grid", "custom", option, list, .. normative, "--device", "cpu", "--out", Path.Combine(_scratch, "refused")]);

        Assert.Equal(2, code);
        Assert.Contains($"{option}: '{bad}' is not a", error, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(Path.Combine(model, ModelPackage.CardFile)));
        Assert.False(Directory.Exists(Path.Combine(_scratch, "refused")), "nothing may run after a refused option");
    }

    [Theory]
    [InlineData("--t", "150,1000", "--t: 1000 is not a timestep of this model")]
    [InlineData("--k", "3,4", "error: --k: The blur kernel size must be a positive odd number (got 4).")]
    [InlineData("--theta", "0.2,-0.1", "error: --theta: The map threshold must be a finite number >= 0 (got -0.1).")]
    [InlineData("--noise-draws", "1,0", "error: --noise-draws: Noise draws per stage are 1..64 (got 0).")]
    [InlineData("--min-component", "-1", "error: --min-component: The minimum component size must be >= 0 (got -1).")]
    public async Task A_grid_value_the_model_cannot_run_is_refused_naming_the_option_before_any_inference(string option, string list, string expected)
    {
        string model = TinyModelPackage.Save(Path.Combine(_scratch, "model"), "tiny");
        string before = File.ReadAllText(Path.Combine(model, ModelPackage.CardFile));
        string[] grid = [.. new[] { ("--t", "150"), ("--k", "3"), ("--theta", "0.2") }.Where(g => g.Item1 != option).SelectMany(g => new[] { g.Item1, g.Item2 })];

        var (code, error) = await StandardError.Capture(["tune", "--model", model, "--data", SixSlices(), "--lesions-per-slice", "1", "--grid", "custom", .. grid,
            option, list, "--device", "cpu", "--out", Path.Combine(_scratch, "refused")]);

        Assert.Equal(2, code);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(Path.Combine(model, ModelPackage.CardFile)));
        Assert.False(Directory.Exists(Path.Combine(_scratch, "refused")), "no grid point may run before every one is checked");
    }

    [Fact]
    public async Task A_normative_weight_outside_0_to_1_is_refused_before_the_healthy_residual_is_measured()
    {
        string model = TinyModelPackage.Save(Path.Combine(_scratch, "model"), "tiny");

        var (code, error) = await StandardError.Capture(["tune", "--model", model, "--data", SixSlices(), "--lesions-per-slice", "1", "--grid", "custom",
            "--t", "100", "--k", "3", "--theta", "0.2", "--normative-data", Slices("train", 2), "--normative-alpha", "0,1.5", "--device", "cpu", "--out", Path.Combine(_scratch, "refused")]);

        Assert.Equal(2, code);
        Assert.Single(error.Trim().Split('\n'));
        Assert.EndsWith("--normative-alpha: 1.5 is not a normative weight: give a number from 0 to 1.", error.Trim(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_scratch, "refused")), "nothing may be measured before every grid point is checked");
    }

    [Fact]
    public async Task A_normative_weight_without_normative_data_is_refused_naming_both_options_rather_than_ignored()
    {
        string model = TinyModelPackage.Save(Path.Combine(_scratch, "model"), "tiny");
        string before = File.ReadAllText(Path.Combine(model, ModelPackage.CardFile));

        var (code, error) = await StandardError.Capture(["tune", "--model", model, "--data", SixSlices(), "--lesions-per-slice", "1", "--grid", "custom",
            "--t", "100", "--k", "3", "--theta", "0.2", "--normative-alpha", "0.5", "--device", "cpu", "--out", Path.Combine(_scratch, "refused")]);

        Assert.Equal(2, code);
        Assert.Contains("--normative-alpha weighs thresholds measured on --normative-data", error, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(Path.Combine(model, ModelPackage.CardFile)));
        Assert.False(Directory.Exists(Path.Combine(_scratch, "refused")), "nothing may run after a refused option");
    }

    /// <summary>Six validation slices (three subjects per half) copied into scratch: enough for a split, fast on CPU.</summary>
    private string SixSlices() => Slices("val", 6);

    /// <summary>The first <paramref name="count"/> slices of the shared data's <paramref name="split"/> folder, copied into scratch.</summary>
    private string Slices(string split, int count)
    {
        string folder = Path.Combine(_scratch, split);
        Directory.CreateDirectory(folder);
        foreach (var file in Directory.GetFiles(Path.Combine(TestPaths.Data, "brain-mri-ixi-t1", split), "*.png").Order(StringComparer.Ordinal).Take(count))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }

        return folder;
    }
}
