using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Spectre.Console;
using Synomaly.Cli.Commands;
using Synomaly.Evaluation;
using Synomaly.Testing;

namespace Synomaly.Cli.Tests;

[Collection(ConsoleDisplayCollection.Name)]
public sealed class VerifySetCommandTests : IDisposable
{
    private static readonly string LesionMap = Path.Combine(TestPaths.Data, "lesion-masks", "example_lesion.nii.gz");

    private readonly string _scratch = Directory.CreateTempSubdirectory("synomaly-verify-set-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    [Fact]
    public async Task Its_help_says_what_each_exit_code_means()
    {
        var (code, output) = await StandardError.CaptureAll(["verify-set", "--help"]);

        Assert.Equal(0, code);
        Assert.Contains("Exit codes: 0 rebuilt exactly, 1 anything differs (each difference is listed), 2 a usage error, 130 cancelled.", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_set_rebuilt_from_the_files_it_was_made_from_passes()
    {
        string folder = CopyOfSixSlices();
        string manifest = WriteTuningManifest(folder);

        int code = await CommandRunner.RunAsync(["verify-set", "--manifest", manifest, "--data", folder, "--lesion-map", LesionMap]);

        Assert.Equal(0, code);
    }

    [Fact]
    public async Task A_cancelled_verify_set_exits_130_with_one_line_and_no_verdict()
    {
        string folder = CopyOfSixSlices();
        string manifest = WriteTuningManifest(folder);

        var (code, error) = await StandardError.CaptureCancelled(["verify-set", "--manifest", manifest, "--data", folder, "--lesion-map", LesionMap]);

        Assert.Equal(130, code);
        Assert.Equal("cancelled: verify-set stopped before the end; nothing was verified.", error.Trim());
    }

    [Fact]
    public void A_rebuild_cancelled_once_a_slice_is_built_stops_before_it_finishes_another()
    {
        string folder = CopyOfSixSlices();
        var verification = new EvaluationSetVerification(EvaluationSetManifest.Read(WriteTuningManifest(folder)), InputFiles.Resolve(folder), LesionMap);
        // The half's second slice is made unreadable: a rebuild that went on past the cancellation would fail on it instead.
        File.WriteAllText(verification.Plan.TuningFiles[1], "not an image");
        using var cancellation = new CancellationTokenSource();
        var reported = new List<int>();

        Assert.ThrowsAny<OperationCanceledException>(() => verification.Run(
            new InlineProgress<int>(done =>
            {
                reported.Add(done);
                cancellation.Cancel(); // as SIGTERM would, once the first slice is built
            }),
            cancellation.Token));

        Assert.Equal([1], reported);
        Assert.True(verification.FileCount > 2, "the half must have slices left to skip");
    }

    [Fact]
    public void A_tampered_source_image_fails_and_the_report_names_its_case()
    {
        string folder = CopyOfSixSlices();
        string manifest = WriteTuningManifest(folder);
        string tampered = EvaluationSetManifest.Read(manifest).Sources[0].File;
        using (var image = Image.Load<L8>(Path.Combine(folder, tampered)))
        {
            image[98, 116] = new L8((byte)(255 - image[98, 116].PackedValue));
            image.SaveAsPng(Path.Combine(folder, tampered));
        }

        using var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Interactive = InteractionSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        console.Profile.Width = 400;
        int code = VerifySetCommand.Run(manifest, folder, LesionMap, console, TestContext.Current.CancellationToken);

        Assert.Equal(1, code);
        Assert.Contains($"case healthy-{Path.GetFileNameWithoutExtension(tampered)}", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("model input differs", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_reporting_set_evaluate_built_for_a_liver_ct_model_is_rebuilt_exactly()
    {
        // The card's modality chose the CT preset; the NIfTI slices state none, so the rebuild must take it from the manifest.
        string model = TinyModelPackage.Save(Path.Combine(_scratch, "model"), "tiny-ct", "liver-ct");
        string folder = Path.Combine(_scratch, "ct");
        for (int i = 0; i < 6; i++)
        {
            ScanFiles.CtSlab(Path.Combine(folder, $"sub-0{i}_ct.nii"), first: 10 + (4 * i), count: 1);
        }

        string output = Path.Combine(_scratch, "out");
        int evaluated = await CommandRunner.RunAsync(["evaluate", "--model", model, "--data", folder, "--lesions-per-slice", "1", "--min-component", "2", "--device", "cpu", "--out", output]);
        int verified = await CommandRunner.RunAsync(["verify-set", "--manifest", Path.Combine(output, "reporting-set.json"), "--data", folder]);

        Assert.Equal((0, 0), (evaluated, verified));
    }

    [Fact]
    public async Task A_data_folder_that_names_nothing_on_disk_is_told_so_without_its_path()
    {
        // verify-set quoted the mistyped --data path in full, unlike train, tune and evaluate: folder names can name
        // patients, and this is the line pasted into tickets.
        string folder = CopyOfSixSlices();
        string manifest = WriteTuningManifest(folder);

        var (code, error) = await StandardError.Capture(["verify-set", "--manifest", manifest, "--data", Path.Combine(_scratch, "sub-01_Miller_Max")]);

        Assert.Equal(1, code);
        Assert.StartsWith("error: no file, folder or pattern matches the input given to --data (InputNotFoundException)", error.Trim(), StringComparison.Ordinal);
        Assert.DoesNotContain("Miller", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_data_file_that_cannot_be_read_is_told_by_its_option_never_by_its_name()
    {
        // A link to nowhere is listed with the folder but cannot be opened when the split hashes it (no sub-<id>, so it is
        // known by its bytes): told as train, tune and evaluate tell it, not by the last-resort "cannot read or write a file".
        string folder = CopyOfSixSlices();
        string manifest = WriteTuningManifest(folder);
        File.CreateSymbolicLink(Path.Combine(folder, "Miller_Max.png"), Path.Combine(_scratch, "gone.png"));

        var (code, error) = await StandardError.Capture(["verify-set", "--manifest", manifest, "--data", folder, "--lesion-map", LesionMap]);

        Assert.Equal(1, code);
        Assert.StartsWith("error: cannot read the input given to --data (FileNotFoundException)", error.Trim(), StringComparison.Ordinal);
        Assert.DoesNotContain("Miller", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_that_is_not_a_manifest_is_refused_by_its_option_without_its_path()
    {
        // The refusal quoted the manifest's full path: folder names can carry patient names.
        string notManifest = Path.Combine(Directory.CreateDirectory(Path.Combine(_scratch, "Doe_Jane")).FullName, "evaluation.json");
        File.WriteAllText(notManifest, "[1, 2]");

        var (code, error) = await StandardError.Capture(["verify-set", "--manifest", notManifest, "--data", CopyOfSixSlices()]);

        Assert.Equal(1, code);
        Assert.StartsWith("error: --manifest is not an evaluation-set manifest (reporting-set.json or tuning-set.json): ", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Doe_Jane", error, StringComparison.Ordinal);
    }

    private string CopyOfSixSlices()
    {
        string folder = Directory.CreateDirectory(Path.Combine(_scratch, "val")).FullName;
        foreach (var file in Directory.GetFiles(Path.Combine(TestPaths.Data, "brain-mri-ixi-t1", "val"), "*.png").Order(StringComparer.Ordinal).Take(6))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)), overwrite: true);
        }

        return folder;
    }

    private string WriteTuningManifest(string folder)
    {
        var plan = EvaluationPlan.Create(InputFiles.Resolve(folder), LesionMap, modelSize: 32, lesionsPerSlice: 1, cancellationToken: TestContext.Current.CancellationToken);
        string path = Path.Combine(_scratch, "tuning-set.json");
        EvaluationSetManifest.Write(path, plan, "tuning", EvaluationPlan.TuningSeed, plan.TuningCases());
        return path;
    }
}
