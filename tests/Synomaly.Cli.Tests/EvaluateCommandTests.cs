using System.Text.Json;
using Synomaly.Diffusion.Weights;
using Synomaly.Evaluation;
using Synomaly.Imaging.Presets;
using Synomaly.Imaging.Reading;
using Synomaly.Testing;

namespace Synomaly.Cli.Tests;

[Collection(ConsoleDisplayCollection.Name)]
public sealed class EvaluateCommandTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("synomaly-evaluate-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    private string At(string relative) => Path.Combine(_scratch, relative);

    [Fact]
    public async Task Evaluate_reports_the_three_modes_on_given_scans_with_their_masks_without_split_or_synthesis()
    {
        string model = TinyModelPackage.Save(At("model"), "tiny");
        ScanFiles.IxiWithLesion(0, At("anomalous"), At("masks"));
        ScanFiles.IxiWithLesion(1, At("anomalous"), At("masks"));
        Directory.CreateDirectory(At("healthy"));
        foreach (int i in (int[])[2, 3, 4])
        {
            File.Copy(ScanFiles.IxiSlice(i), At("healthy/" + Path.GetFileName(ScanFiles.IxiSlice(i))));
        }

        int code = await CommandRunner.RunAsync(["evaluate", "--model", model, "--healthy", At("healthy"), "--anomalous", At("anomalous"), "--masks", At("masks"),
            "--min-component", "2", "--device", "cpu", "--out", At("out")]);

        Assert.Equal(0, code);
        using var results = JsonDocument.Parse(File.ReadAllText(At("out/evaluation.json")));
        Assert.Equal(["single-stage", "fixed-list", "adaptive"], results.RootElement.EnumerateArray().Select(r => r.GetProperty("Name").GetString()));
        Assert.All(results.RootElement.EnumerateArray(), r => Assert.Equal((2, 3), (r.GetProperty("AnomalousCases").GetInt32(), r.GetProperty("HealthyCases").GetInt32())));
        Assert.Contains("given sets (3 healthy slices from 3 files, 2 anomalous slices from 2 files with their masks", File.ReadAllText(At("out/evaluation.md")), StringComparison.Ordinal);
        Assert.Contains("bootstrap intervals resample whole subjects", File.ReadAllText(At("out/evaluation.md")), StringComparison.Ordinal);
        Assert.Contains(",given,mask,", File.ReadAllText(At("out/cases.csv")), StringComparison.Ordinal);
        using var manifest = JsonDocument.Parse(File.ReadAllText(At("out/reporting-set.json")));
        Assert.Equal(2, manifest.RootElement.GetProperty("anomalous").GetArrayLength());
        Assert.All(manifest.RootElement.GetProperty("anomalous").EnumerateArray(), a => Assert.Equal("brain-mri", a.GetProperty("preset").GetString()));
        foreach (var figure in (string[])["roc-pixel.png", "pr-pixel.png", "roc-image.png", "pr-image.png", "samples.png"])
        {
            Assert.True(new FileInfo(At("out/" + figure)).Length > 0, figure);
        }
    }

    [Theory]
    [InlineData(null, "reference")]
    [InlineData("any-truth", "any-truth")]
    public async Task The_image_label_rule_is_the_reference_s_unless_told_and_evaluation_json_records_it_for_every_mode(string? given, string recorded)
    {
        string model = TinyModelPackage.Save(At("model"), "tiny");
        ScanFiles.IxiWithLesion(0, At("anomalous"), At("masks"));
        Directory.CreateDirectory(At("healthy"));
        File.Copy(ScanFiles.IxiSlice(2), At("healthy/" + Path.GetFileName(ScanFiles.IxiSlice(2))));

        int code = await CommandRunner.RunAsync(["evaluate", "--model", model, "--healthy", At("healthy"), "--anomalous", At("anomalous"), "--masks", At("masks"),
            "--min-component", "2", "--device", "cpu", "--out", At("out"), .. given is null ? Array.Empty<string>() : ["--image-label", given]]);

        Assert.Equal(0, code);
        using var results = JsonDocument.Parse(File.ReadAllText(At("out/evaluation.json")));
        Assert.Equal([recorded, recorded, recorded], results.RootElement.EnumerateArray().Select(r => r.GetProperty("ImageLabel").GetString()));
        Assert.Contains($"Image label: {recorded} (", File.ReadAllText(At("out/evaluation.md")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_printed_table_keeps_its_rows_whole_on_an_80_column_console_as_in_a_redirected_log()
    {
        string model = TinyModelPackage.Save(At("model"), "tiny");
        ScanFiles.IxiWithLesion(0, At("anomalous"), At("masks"));

        var (code, output) = await StandardError.CaptureAll(["evaluate", "--model", model, "--anomalous", At("anomalous"), "--masks", At("masks"),
            "--min-component", "2", "--device", "cpu", "--out", At("out")], width: 80);

        Assert.Equal(0, code);
        string[] printed = output.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        var rows = File.ReadAllLines(At("out/evaluation.md")).Where(l => l.StartsWith('|')).ToList();
        Assert.Contains(rows, r => r.Length > 80);
        Assert.All(rows, r => Assert.Contains(r, printed));
    }

    [Theory]
    [InlineData("--healthy")]
    [InlineData("--anomalous")]
    public async Task An_input_that_names_nothing_on_disk_is_told_by_its_option_never_by_its_path(string wrong)
    {
        // With several inputs, "the input given" left the user to guess which one was mistyped; the path cannot be quoted
        // instead (folder names can name patients), the option can.
        string model = TinyModelPackage.Save(At("model"), "tiny");
        ScanFiles.IxiWithLesion(0, At("anomalous"), At("masks"));
        Directory.CreateDirectory(At("healthy"));
        File.Copy(ScanFiles.IxiSlice(2), At("healthy/" + Path.GetFileName(ScanFiles.IxiSlice(2))));
        string Input(string option) => option == wrong ? At("sub-01_Miller_Max") : At(option[2..]);

        var (code, error) = await StandardError.Capture(["evaluate", "--model", model, "--healthy", Input("--healthy"), "--anomalous", Input("--anomalous"), "--masks", At("masks"),
            "--device", "cpu", "--out", At("out")]);

        Assert.Equal(1, code);
        Assert.StartsWith($"error: no file, folder or pattern matches the input given to {wrong} (InputNotFoundException)", error.Trim(), StringComparison.Ordinal);
        Assert.DoesNotContain("Miller", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--healthy")]
    [InlineData("--anomalous")]
    public async Task An_empty_given_set_folder_is_told_by_its_option_never_by_its_path(string empty)
    {
        // Before: "--healthy '<the folder>' names no file.", quoting a path that can name a patient.
        string model = TinyModelPackage.Save(At("model"), "tiny");
        ScanFiles.IxiWithLesion(0, At("anomalous"), At("masks"));
        Directory.CreateDirectory(At("healthy"));
        File.Copy(ScanFiles.IxiSlice(2), At("healthy/" + Path.GetFileName(ScanFiles.IxiSlice(2))));
        Directory.CreateDirectory(At("sub-01_Miller_Max"));
        string Input(string option) => option == empty ? At("sub-01_Miller_Max") : At(option[2..]);

        var (code, error) = await StandardError.Capture(["evaluate", "--model", model, "--healthy", Input("--healthy"), "--anomalous", Input("--anomalous"), "--masks", At("masks"),
            "--device", "cpu", "--out", At("out")]);

        Assert.Equal(1, code);
        Assert.Equal($"error: {empty} names no file (an empty folder, a pattern that matches nothing or an empty manifest).", error.Trim());
    }

    [Fact]
    public async Task A_data_folder_that_names_nothing_on_disk_is_told_by_its_option()
    {
        string model = TinyModelPackage.Save(At("model"), "tiny");

        var (code, error) = await StandardError.Capture(["evaluate", "--model", model, "--data", At("sub-01_Miller_Max"), "--device", "cpu", "--out", At("out")]);

        Assert.Equal(1, code);
        Assert.StartsWith("error: no file, folder or pattern matches the input given to --data (InputNotFoundException)", error.Trim(), StringComparison.Ordinal);
        Assert.DoesNotContain("Miller", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--healthy")]
    [InlineData("--anomalous")]
    public async Task Data_mixed_with_given_sets_is_refused_before_any_work(string given)
    {
        string model = TinyModelPackage.Save(At("model"), "tiny");
        Directory.CreateDirectory(At("scans"));

        int code = await CommandRunner.RunAsync(["evaluate", "--model", model, "--data", At("scans"), given, At("scans"), "--masks", At("scans"), "--device", "cpu", "--out", At("refused")]);

        Assert.Equal(2, code);
        Assert.False(Directory.Exists(At("refused")), "nothing may run after refused inputs");
    }

    [Fact]
    public async Task An_anomalous_scan_without_its_mask_is_refused_and_nothing_is_written()
    {
        string model = TinyModelPackage.Save(At("model"), "tiny");
        ScanFiles.IxiWithLesion(0, At("anomalous"), At("masks"));
        ScanFiles.IxiWithLesion(1, At("anomalous"), At("other-masks"));

        int code = await CommandRunner.RunAsync(["evaluate", "--model", model, "--anomalous", At("anomalous"), "--masks", At("masks"), "--device", "cpu", "--out", At("refused")]);

        Assert.Equal(1, code);
        Assert.False(Directory.Exists(At("refused")));
    }

    [Fact]
    public async Task A_liver_ct_model_is_evaluated_with_its_own_profile_on_slices_the_ct_preset_selects()
    {
        // No --profile: the card's default ("liver-ct"), not "brain-mri".
        string model = TinyModelPackage.Save(At("model"), "tiny-ct", "liver-ct");
        string ct = ScanFiles.CtSlab(At("healthy/ct.nii"), first: 40, count: 6);

        int code = await CommandRunner.RunAsync(["evaluate", "--model", model, "--healthy", At("healthy"), "--device", "cpu", "--out", At("out")]);

        Assert.Equal(0, code);
        using var manifest = JsonDocument.Parse(File.ReadAllText(At("out/reporting-set.json")));
        var healthy = Assert.Single(manifest.RootElement.GetProperty("healthy").EnumerateArray());
        Assert.Equal("ct", healthy.GetProperty("preset").GetString());
        var selected = new CtPreset { ModelSize = 32 }.Prepare(ScanReader.ReadFile(ct), TestContext.Current.CancellationToken).Slices.Select(s => s.SourceSlice);
        Assert.Equal(selected, healthy.GetProperty("slices").EnumerateArray().Select(s => s.GetInt32()));
    }

    [Fact]
    public async Task Evaluate_with_data_on_a_liver_ct_model_uses_its_default_profile_and_places_lesions_inside_the_ct_window()
    {
        // No --profile: the card's default ("liver-ct"), not "brain-mri".
        string model = TinyModelPackage.Save(At("model"), "tiny-ct", "liver-ct");
        string validation = CtValidationSlices();

        int code = await CommandRunner.RunAsync(["evaluate", "--model", model, "--data", validation, "--lesions-per-slice", "1", "--min-component", "2", "--device", "cpu", "--out", At("out")]);

        Assert.Equal(0, code);
        AssertLesionsInsideTheCtWindow(At("out/reporting-set.json"), validation);
    }

    [Fact]
    public async Task Tune_on_a_liver_ct_model_writes_its_own_profile_and_places_lesions_inside_the_ct_window()
    {
        string model = TinyModelPackage.Save(At("model"), "tiny-ct", "liver-ct");
        string validation = CtValidationSlices();

        int code = await CommandRunner.RunAsync(["tune", "--model", model, "--data", validation, "--lesions-per-slice", "1", "--grid", "custom",
            "--t", "100", "--k", "3", "--theta", "0.2", "--min-component", "2", "--device", "cpu", "--out", At("tuning")]);

        Assert.Equal(0, code);
        var card = ModelPackage.LoadCard(model);
        Assert.Equal("liver-ct", card.DefaultProfile);
        Assert.Equal(["liver-ct"], card.InferenceProfiles.Keys);
        Assert.NotNull(card.Profile().TuningSubjects);
        AssertLesionsInsideTheCtWindow(At("tuning/tuning-set.json"), validation);
    }

    [Fact]
    public async Task Tune_on_an_ultrasound_model_refuses_synthetic_lesions_and_leaves_the_card_alone()
    {
        string model = TinyModelPackage.Save(At("model"), "tiny-us", "carotid-us");
        string before = File.ReadAllText(Path.Combine(model, ModelPackage.CardFile));
        Directory.CreateDirectory(At("val"));
        for (int i = 0; i < 2; i++)
        {
            File.Copy(Path.Combine(TestPaths.Data, "formats", "ultrasound", "neck_input.png"), At($"val/sub-0{i}_us.png"));
        }

        int code = await CommandRunner.RunAsync(["tune", "--model", model, "--data", At("val"), "--lesions-per-slice", "1", "--grid", "custom",
            "--t", "100", "--k", "3", "--theta", "0.2", "--device", "cpu", "--out", At("tuning")]);

        Assert.Equal(1, code);
        Assert.Equal(before, File.ReadAllText(Path.Combine(model, ModelPackage.CardFile)));
    }

    [Fact]
    public async Task Tune_on_given_sets_records_their_subjects_and_evaluate_refuses_to_report_on_them()
    {
        string model = TinyModelPackage.Save(At("model"), "tiny");
        ScanFiles.IxiWithLesion(0, At("tuning-set"), At("tuning-masks"));
        ScanFiles.IxiWithLesion(1, At("tuning-set"), At("tuning-masks"));
        ScanFiles.IxiWithLesion(2, At("reporting-set"), At("reporting-masks"));

        int tuned = await CommandRunner.RunAsync(["tune", "--model", model, "--anomalous", At("tuning-set"), "--masks", At("tuning-masks"), "--grid", "custom",
            "--t", "100", "--k", "3", "--theta", "0.2", "--min-component", "2", "--device", "cpu", "--out", At("tuning")]);
        int onTuningSet = await CommandRunner.RunAsync(["evaluate", "--model", model, "--anomalous", At("tuning-set"), "--masks", At("tuning-masks"), "--device", "cpu", "--out", At("refused")]);
        int onOthers = await CommandRunner.RunAsync(["evaluate", "--model", model, "--anomalous", At("reporting-set"), "--masks", At("reporting-masks"), "--device", "cpu", "--out", At("reported")]);

        Assert.Equal((0, 2, 0), (tuned, onTuningSet, onOthers));
        // Two subjects, each by its sub-<id> and by its scan's bytes.
        Assert.Equal(4, ModelPackage.LoadCard(model).Profile("brain-mri").TuningSubjects!.Count);
        Assert.StartsWith("# Tuning (given tuning set only)", File.ReadAllText(At("tuning/tuning.md")), StringComparison.Ordinal);
        Assert.False(File.Exists(At("refused/evaluation.json")));
    }

    [Fact]
    public async Task Metrics_recorded_for_a_profile_other_than_the_default_name_it_in_the_card_and_in_the_output()
    {
        string model = TinyModelPackage.Save(At("model"), "tiny");
        var card = ModelPackage.LoadCard(model);
        var experiment = card.Profile() with { Threshold = 0.3 };
        ModelPackage.SaveCard(model, card with { InferenceProfiles = new Dictionary<string, InferenceProfile>(card.InferenceProfiles) { ["experiment"] = experiment } });
        ScanFiles.IxiWithLesion(0, At("anomalous"), At("masks"));

        var (code, output) = await StandardError.CaptureAll(["evaluate", "--model", model, "--anomalous", At("anomalous"), "--masks", At("masks"),
            "--profile", "experiment", "--record-in-card", "--device", "cpu", "--out", At("out")]);

        Assert.Equal(0, code);
        var recorded = ModelPackage.LoadCard(model);
        Assert.Equal("experiment", recorded.MetricsProfile?.Name);
        Assert.Contains("θ=0.3", recorded.MetricsProfile!.Settings, StringComparison.Ordinal);
        Assert.Equal("brain-mri", recorded.DefaultProfile);
        Assert.Contains("Metrics of profile 'experiment'", output, StringComparison.Ordinal);
        Assert.Contains("they are not those of the card's default profile 'brain-mri'", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_scan_that_cannot_be_read_is_reported_by_error_type_never_by_its_file_name()
    {
        // A link to nowhere is listed with the folder but cannot be opened: a file error, whose own message quotes the path.
        string model = TinyModelPackage.Save(At("model"), "tiny");
        string healthy = Directory.CreateDirectory(At("healthy")).FullName;
        File.Copy(Directory.GetFiles(Path.Combine(TestPaths.Data, "brain-mri-ixi-t1", "val"), "*.png").Order(StringComparer.Ordinal).First(), Path.Combine(healthy, "sub-01.png"));
        File.CreateSymbolicLink(Path.Combine(healthy, "sub-02_Miller_Max.png"), At("gone.png"));

        var (code, error) = await StandardError.Capture(["evaluate", "--model", model, "--healthy", healthy, "--device", "cpu", "--out", At("refused")]);

        Assert.Equal(1, code);
        // Told by the option, as a folder that cannot be listed is: before, "cannot read the input (FileNotFoundException)".
        Assert.Contains("cannot read the input given to --healthy (FileNotFoundException)", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Miller", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_that_is_no_scan_is_refused_naming_the_option_it_was_given_with_never_its_file_name()
    {
        // A notes file or a viewer's index beside the slices stopped the run with the reader's "Unknown format" alone,
        // which said neither which input held it nor what to do.
        string model = TinyModelPackage.Save(At("model"), "tiny");
        string folder = Directory.CreateDirectory(At("slices")).FullName;
        File.WriteAllText(Path.Combine(folder, "sub-01_Miller_Max.txt"), "notes");
        File.WriteAllText(Path.Combine(folder, "sub-02_Miller_Max.txt"), "notes");
        const string Reason = "cannot be used (UnknownFormat: Unknown format: not DICOM, NIfTI, PNG, JPEG or a zip of DICOM files.): keep only readable scans there, or list them in a .txt manifest.";

        var (dataCode, dataError) = await StandardError.Capture(["evaluate", "--model", model, "--data", folder, "--device", "cpu", "--out", At("data")]);
        var (healthyCode, healthyError) = await StandardError.Capture(["evaluate", "--model", model, "--healthy", folder, "--device", "cpu", "--out", At("healthy")]);

        Assert.Equal((1, 1), (dataCode, healthyCode));
        Assert.Equal($"error: A file of --data {Reason}", dataError.Trim());
        Assert.Equal($"error: A file of --healthy {Reason}", healthyError.Trim());
    }

    [Fact]
    public async Task Evaluate_on_an_empty_data_folder_is_refused_as_an_empty_set_and_the_card_s_metrics_stay()
    {
        string model = TinyModelPackage.Save(At("model"), "tiny");
        string before = File.ReadAllText(Path.Combine(model, ModelPackage.CardFile));
        Directory.CreateDirectory(At("empty"));

        var (code, error) = await StandardError.Capture(["evaluate", "--model", model, "--data", At("empty"), "--record-in-card", "--device", "cpu", "--out", At("refused")]);

        Assert.Equal(1, code);
        Assert.Contains("--data names no file (an empty folder, a pattern that matches nothing or an empty manifest)", error, StringComparison.Ordinal);
        Assert.DoesNotContain(At("empty"), error, StringComparison.Ordinal); // paths can carry patient names
        Assert.Equal(before, File.ReadAllText(Path.Combine(model, ModelPackage.CardFile)));
        Assert.False(Directory.Exists(At("refused")), "nothing may run on an empty set");
    }

    [Fact]
    public async Task Recording_in_the_card_without_any_anomalous_case_is_refused_before_inference_and_the_card_s_metrics_stay()
    {
        string model = TinyModelPackage.Save(At("model"), "tiny");
        string before = File.ReadAllText(Path.Combine(model, ModelPackage.CardFile));
        Directory.CreateDirectory(At("healthy"));
        File.Copy(ScanFiles.IxiSlice(2), At("healthy/" + Path.GetFileName(ScanFiles.IxiSlice(2))));

        var (code, error) = await StandardError.Capture(["evaluate", "--model", model, "--healthy", At("healthy"), "--record-in-card", "--device", "cpu", "--out", At("refused")]);

        Assert.Equal(1, code);
        Assert.Contains("--record-in-card replaces the card's Dice and AUROC, and the given sets hold no anomalous slice", error, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(Path.Combine(model, ModelPackage.CardFile)));
        Assert.False(File.Exists(At("refused/evaluation.json")), "no inference may run on a set that cannot be recorded");
    }

    [Fact]
    public async Task An_output_path_that_is_a_file_is_refused_before_any_inference()
    {
        string model = TinyModelPackage.Save(At("model"), "tiny");
        ScanFiles.IxiWithLesion(0, At("anomalous"), At("masks"));
        File.WriteAllText(At("Doe_Jane"), "not a folder");

        var (code, output) = await StandardError.CaptureAll(["evaluate", "--model", model, "--anomalous", At("anomalous"), "--masks", At("masks"),
            "--min-component", "2", "--device", "cpu", "--out", At("Doe_Jane")]);

        Assert.Equal(2, code);
        Assert.Contains(
            "error: --out cannot be written to as a folder: an I/O error (IOException); give a new or writable folder. Nothing was run.", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Doe_Jane", output, StringComparison.Ordinal); // named by the option: paths can carry patient names
        Assert.DoesNotContain("single-stage", output, StringComparison.Ordinal);
        Assert.Equal("not a folder", File.ReadAllText(At("Doe_Jane")));
    }

    [Fact]
    public async Task An_output_path_through_a_file_is_refused_as_such_by_its_option()
    {
        // ENOTDIR: .NET tells it as DirectoryNotFoundException, which read "a folder was not found" and sent the user
        // looking for a missing folder, where a part of the path is a file.
        string model = TinyModelPackage.Save(At("model"), "tiny");
        ScanFiles.IxiWithLesion(0, At("anomalous"), At("masks"));
        File.WriteAllText(At("Doe_Jane"), "not a folder");

        var (code, output) = await StandardError.CaptureAll(["evaluate", "--model", model, "--anomalous", At("anomalous"), "--masks", At("masks"),
            "--min-component", "2", "--device", "cpu", "--out", Path.Combine(At("Doe_Jane"), "run", "evaluation")]);

        Assert.Equal(2, code);
        Assert.Contains(
            "error: --out cannot be written to as a folder: a part of its path is a file, not a folder (DirectoryNotFoundException); give a new or writable folder. Nothing was run.",
            output, StringComparison.Ordinal);
        Assert.DoesNotContain("Doe_Jane", output, StringComparison.Ordinal);
        Assert.DoesNotContain("single-stage", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_output_path_with_a_name_too_long_for_the_file_system_is_refused_by_its_option()
    {
        // ENAMETOOLONG on one part of the path (most file systems allow 255 bytes a name).
        string model = TinyModelPackage.Save(At("model"), "tiny");
        ScanFiles.IxiWithLesion(0, At("anomalous"), At("masks"));
        string tooLong = "Doe_Jane_" + new string('x', 300);

        var (code, output) = await StandardError.CaptureAll(["evaluate", "--model", model, "--anomalous", At("anomalous"), "--masks", At("masks"),
            "--min-component", "2", "--device", "cpu", "--out", Path.Combine(At(tooLong), "evaluation")]);

        Assert.Equal(2, code);
        Assert.Contains(
            "error: --out cannot be written to as a folder: a path is too long (PathTooLongException); give a new or writable folder. Nothing was run.",
            output, StringComparison.Ordinal);
        Assert.DoesNotContain("Doe_Jane", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_negative_minimum_component_is_refused_by_its_option_before_the_output_folder_is_made()
    {
        string model = TinyModelPackage.Save(At("model"), "tiny");
        ScanFiles.IxiWithLesion(0, At("anomalous"), At("masks"));

        var (code, error) = await StandardError.Capture(["evaluate", "--model", model, "--anomalous", At("anomalous"), "--masks", At("masks"),
            "--min-component", "-1", "--device", "cpu", "--out", At("refused")]);

        Assert.Equal(2, code);
        Assert.Equal("error: --min-component: The minimum component size must be >= 0 (got -1).", error.Trim());
        Assert.False(Directory.Exists(At("refused")), "nothing may be made or run after a refused option");
    }

    [Fact]
    public async Task A_profile_the_card_does_not_have_is_refused_by_its_option_before_the_output_folder_is_made()
    {
        // A typo in --profile is the command line's fault, as detect treats it: exit 2 naming the option, not a failed run.
        string model = TinyModelPackage.Save(At("model"), "tiny");
        ScanFiles.IxiWithLesion(0, At("anomalous"), At("masks"));

        var (code, error) = await StandardError.Capture(["evaluate", "--model", model, "--anomalous", At("anomalous"), "--masks", At("masks"),
            "--profile", "no-such-profile", "--device", "cpu", "--out", At("refused")]);

        Assert.Equal(2, code);
        Assert.StartsWith("error: --profile: ", error.Trim(), StringComparison.Ordinal);
        Assert.Contains("has no inference profile 'no-such-profile'", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(At("refused")), "nothing may be made or run after a refused option");
    }

    [Theory]
    [InlineData("evaluate")]
    [InlineData("tune")]
    [InlineData("detect")]
    public async Task A_model_card_naming_an_unknown_modality_is_refused_as_a_usage_error_before_any_work(string verb)
    {
        // The package given by --model cannot be used: its card records a modality no preset knows. Every verb refuses it
        // as detect and train --init-from refuse a model they cannot load: exit 2, before anything is read or made.
        string model = TinyModelPackage.Save(At("model"), "tiny", modality: "x-ray");
        ScanFiles.IxiWithLesion(0, At("anomalous"), At("masks"));
        string[] args = verb switch
        {
            "detect" => ["detect", ScanFiles.IxiSlice(0), "--model", model, "--device", "cpu", "--out", At("out")],
            "tune" => ["tune", "--model", model, "--anomalous", At("anomalous"), "--masks", At("masks"), "--grid", "custom", "--t", "100", "--k", "3", "--theta", "0.2",
                "--device", "cpu", "--out", At("out")],
            _ => ["evaluate", "--model", model, "--anomalous", At("anomalous"), "--masks", At("masks"), "--device", "cpu", "--out", At("out")],
        };

        var (code, error) = await StandardError.Capture(args);

        Assert.Equal(2, code);
        Assert.StartsWith("error: Cannot load the model given by --model: Unknown modality 'x-ray'", error.Trim(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(At("out")), "nothing may be made after a refused model");
    }

    [Fact]
    public async Task A_cancelled_evaluate_exits_130_with_one_line_and_records_nothing()
    {
        string model = TinyModelPackage.Save(At("model"), "tiny");
        string before = File.ReadAllText(Path.Combine(model, ModelPackage.CardFile));
        ScanFiles.IxiWithLesion(0, At("anomalous"), At("masks"));

        var (code, error) = await StandardError.CaptureCancelled(["evaluate", "--model", model, "--anomalous", At("anomalous"), "--masks", At("masks"),
            "--record-in-card", "--min-component", "2", "--device", "cpu", "--out", At("out")]);

        Assert.Equal(130, code);
        Assert.Equal("cancelled: evaluate stopped before the end; no results were written and the model card is unchanged.", error.Trim());
        Assert.Equal(before, File.ReadAllText(Path.Combine(model, ModelPackage.CardFile)));
        Assert.False(File.Exists(At("out/evaluation.json")));
    }

    [Theory]
    [InlineData("tuned", "error: 1 subjects of the given sets were in the set this profile was tuned on")]
    [InlineData("normative", "error: 1 of the reported subjects are among those the profile's normative threshold was measured on")]
    public async Task Reporting_on_subjects_the_profile_was_fitted_to_is_refused_with_one_error_line_on_stderr(string recordedAs, string refusal)
    {
        string model = TinyModelPackage.Save(At("model"), "tiny");
        ScanFiles.IxiWithLesion(0, At("anomalous"), At("masks"));
        var card = ModelPackage.LoadCard(model);
        string profile = card.DefaultProfile!;
        var subjects = SubjectSplit.Fingerprints(Directory.GetFiles(At("anomalous")), TestContext.Current.CancellationToken);
        var fitted = recordedAs == "tuned" ? card.Profile(profile) with { TuningSubjects = subjects } : card.Profile(profile) with { NormativeSubjects = subjects };
        ModelPackage.SaveCard(model, card with { InferenceProfiles = new Dictionary<string, InferenceProfile>(card.InferenceProfiles) { [profile] = fitted } });

        var (code, output) = await StandardError.CaptureAll(["evaluate", "--model", model, "--anomalous", At("anomalous"), "--masks", At("masks"),
            "--min-component", "2", "--device", "cpu", "--out", At("out")]);
        var (_, error) = await StandardError.Capture(["evaluate", "--model", model, "--anomalous", At("anomalous"), "--masks", At("masks"),
            "--min-component", "2", "--device", "cpu", "--out", At("out")]);

        Assert.Equal(2, code);
        // A refusal, as every verb tells one: one 'error:' line on stderr, and nothing on stdout.
        Assert.StartsWith(refusal, error, StringComparison.Ordinal);
        Assert.Single(error.Trim().Split('\n'));
        Assert.Equal(error.Trim(), output.Trim());
        Assert.False(Directory.Exists(At("out")));
    }

    [Fact]
    public async Task Ctrl_c_while_evaluate_hashes_its_scans_against_the_tuned_subjects_exits_130_instead_of_a_verdict()
    {
        string model = TinyModelPackage.Save(At("model"), "tiny");
        ScanFiles.IxiWithLesion(0, At("anomalous"), At("masks"));
        var card = ModelPackage.LoadCard(model);
        string profile = card.DefaultProfile!;
        // Tuned on these very scans: a check that ran to its end despite Ctrl-C would refuse to report on them (exit 2).
        var tunedOnThem = card.Profile(profile) with { TuningSubjects = SubjectSplit.Fingerprints(Directory.GetFiles(At("anomalous")), TestContext.Current.CancellationToken) };
        ModelPackage.SaveCard(model, card with { InferenceProfiles = new Dictionary<string, InferenceProfile>(card.InferenceProfiles) { [profile] = tunedOnThem } });

        var (code, error) = await StandardError.CaptureCancelled(["evaluate", "--model", model, "--anomalous", At("anomalous"), "--masks", At("masks"),
            "--min-component", "2", "--device", "cpu", "--out", At("out")]);

        Assert.Equal(130, code);
        Assert.Equal("cancelled: evaluate stopped before the end; no results were written and the model card is unchanged.", error.Trim());
        Assert.False(Directory.Exists(At("out")));
    }

    [Fact]
    public async Task An_evaluate_cancelled_before_its_given_sets_are_built_stops_before_reading_a_scan_and_leaves_no_output()
    {
        string model = TinyModelPackage.Save(At("model"), "tiny");
        ScanFiles.IxiWithLesion(0, At("anomalous"), At("masks"));
        // The healthy scans are read first, and none can be: a build that went on despite the cancellation would fail there (exit 1).
        Directory.CreateDirectory(At("healthy"));
        File.WriteAllText(At("healthy/sub-90_T1w.png"), "not an image");
        File.WriteAllText(At("healthy/sub-91_T1w.png"), "not an image");

        var (code, error) = await StandardError.CaptureCancelled(["evaluate", "--model", model, "--healthy", At("healthy"), "--anomalous", At("anomalous"), "--masks", At("masks"),
            "--min-component", "2", "--device", "cpu", "--out", At("out")]);

        Assert.Equal(130, code);
        Assert.Equal("cancelled: evaluate stopped before the end; no results were written and the model card is unchanged.", error.Trim());
        Assert.False(Directory.Exists(At("out")), "a cancelled evaluate may leave no --out folder");
    }

    [Fact]
    public async Task An_evaluate_cancelled_while_its_data_is_split_stops_before_hashing_a_file_and_leaves_no_output()
    {
        string model = TinyModelPackage.Save(At("model"), "tiny");
        Directory.CreateDirectory(At("val"));
        for (int i = 0; i < 4; i++)
        {
            File.Copy(ScanFiles.IxiSlice(i), At("val/" + Path.GetFileName(ScanFiles.IxiSlice(i))));
        }

        // A file without a sub-<id> is its own subject, known by the hash of its bytes, and this one cannot be opened: a
        // split that hashed it despite the cancellation would fail there (exit 1) rather than stop (130).
        File.CreateSymbolicLink(At("val/unreadable.png"), At("missing.png"));

        var (code, error) = await StandardError.CaptureCancelled(["evaluate", "--model", model, "--data", At("val"), "--lesions-per-slice", "1",
            "--min-component", "2", "--device", "cpu", "--out", At("out")]);

        Assert.Equal(130, code);
        Assert.Equal("cancelled: evaluate stopped before the end; no results were written and the model card is unchanged.", error.Trim());
        Assert.False(Directory.Exists(At("out")), "a cancelled evaluate may leave no --out folder");
    }

    /// <summary>Six single-slice NIfTIs of the shared CT, one subject each (three per half of the split).</summary>
    private string CtValidationSlices()
    {
        for (int i = 0; i < 6; i++)
        {
            ScanFiles.CtSlab(At($"val/sub-0{i}_ct.nii"), first: 10 + (4 * i), count: 1);
        }

        return At("val");
    }

    /// <summary>Every inserted lesion of the manifest is centred on soft tissue of its slice (0 to 150 HU), where the CT preset's foreground is.</summary>
    private static void AssertLesionsInsideTheCtWindow(string manifestPath, string validation)
    {
        using var manifest = JsonDocument.Parse(File.ReadAllText(manifestPath));
        var lesions = manifest.RootElement.GetProperty("cases").EnumerateArray().Where(c => c.GetProperty("lesion").ValueKind == JsonValueKind.Object).ToList();
        Assert.Equal(3, lesions.Count);
        Assert.All(lesions, c =>
        {
            var slice = ScanReader.ReadFile(Path.Combine(validation, c.GetProperty("source").GetString()!));
            var lesion = c.GetProperty("lesion");
            Assert.InRange(slice[lesion.GetProperty("CentreX").GetInt32(), lesion.GetProperty("CentreY").GetInt32(), 0], 0f, 150f);
        });
    }
}
