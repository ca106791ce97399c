using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Synomaly.Cli.Detection;
using Synomaly.Contracts;
using Synomaly.Diffusion;
using Synomaly.Diffusion.Inference;
using Synomaly.Diffusion.Model;
using Synomaly.Diffusion.Schedules;
using Synomaly.Diffusion.Weights;
using Synomaly.Imaging;
using Synomaly.Imaging.Presets;
using Synomaly.Imaging.Reading;

namespace Synomaly.Cli.Commands;

/// <summary>
/// `synomaly detect &lt;files...&gt; --model &lt;dir&gt;`: anomaly detection on local scans (PNG/JPEG, NIfTI, DICOM) with a model
/// package; writes a heatmap, maps on the source grid and a report per scan into its own folder under --out.
/// </summary>
public static class DetectCommand
{
    public static Command Create() => Create(readOptions: null);

    /// <param name="readOptions">How scans are read; null: <see cref="LocalScanReading.Options"/> (gdcm or dcmtk from PATH).</param>
    public static Command Create(ScanReadOptions? readOptions)
    {
        var files = new Argument<string[]>("files") { Arity = ArgumentArity.OneOrMore, Description = "Scans to analyse: PNG/JPEG, NIfTI or DICOM files (folder/*.png for a folder of slices), or a folder holding one DICOM series." };
        var model = new Option<string>("--model") { Required = true, Description = "Model package folder (model.safetensors + model-card.json)." };
        var profile = new Option<string?>("--profile") { Description = "Inference profile of the model card (default: the card's default profile)." };
        var output = new Option<string>("--out") { DefaultValueFactory = _ => "synomaly-results", Description = "Folder for the results; one subfolder per scan." };
        var modality = ModalityOption.Create("auto (the default: the modality the model card names, else the file's own), brain-mri, liver-ct or carotid-us (the names train and the model card use; BrainMri, LiverCt and CarotidUltrasound too).");
        var device = new Option<string>("--device") { DefaultValueFactory = _ => "auto", Description = "cpu, cuda, cuda:N or auto." };
        var seed = new Option<long?>("--seed") { Description = "Salt of the inference noise (default 0): each slice's noise follows its pixels and this seed, so the same scan, seed and device give the same results at any batch size." };
        var batchSize = new Option<int>("--batch-size") { DefaultValueFactory = _ => 16, Description = "Slices per inference batch." };
        var command = new Command("detect", "Detect anomalies in local scans with a Synomaly model package.")
        {
            files, model, profile, output, modality, device, seed, batchSize,
        };
        // A scan's results are written into a staging folder that takes its name only when complete (ResultFolder), so a
        // cancelled scan leaves no folder that looks finished, and an earlier run's stays as it was.
        command.SetAction((parse, cancellationToken) => Task.FromResult(CommandCancellation.Run(
            "detect",
            "the scan in progress and those after it have no results (an earlier run's folder stays as it was).",
            () => Run(
                parse.GetValue(files)!, parse.GetValue(model)!, parse.GetValue(profile), parse.GetValue(output)!, parse.GetValue(modality),
                parse.GetValue(device)!, parse.GetValue(seed), parse.GetValue(batchSize), readOptions ?? LocalScanReading.Options(), cancellationToken),
            cancellationToken)));
        return command;
    }

    private static int Run(
        string[] files, string modelDirectory, string? profileName, string output, ModalityHint modality, string deviceSetting, long? seed, int batchSize, ScanReadOptions readOptions,
        CancellationToken cancellationToken)
    {
        // Usage errors, told as every verb tells them: one 'error: ...' line on stderr (the command runner's), not on stdout.
        if (batchSize < 1)
        {
            throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--batch-size must be at least 1 (got {batchSize})."));
        }

        if (File.Exists(output))
        {
            // Found before the model loads and the first scan runs, not when the first results are written.
            throw new UsageException("--out is a file; give a folder for the results (it is created if missing).");
        }

        // Outside the model's try: a wrong --device is an option error (UnknownDeviceException, exit 2 by the command
        // runner), not a model that cannot be loaded.
        var device = TorchDevice.Resolve(deviceSetting);
        LocalScanDetection detection;
        UNet unet;
        GaussianDiffusion diffusion;
        try
        {
            (unet, var card) = ModelPackage.Load(modelDirectory, device);
            var profile = card.Profile(profileName);
            var options = profile.ToOptions(seed);
            // A profile the detector would refuse (an even blur kernel, a timestep outside the schedule) is a model
            // that cannot be loaded: found here, before any scan, rather than as each scan's failure.
            options.Validate(card.Timesteps);
            diffusion = new GaussianDiffusion(card.Schedule, card.Timesteps);
            var settings = new DetectionSettings(
                card.Name, card.Version, profileName ?? card.DefaultProfile ?? "", options, card.Preprocessing.ImageSize, batchSize, modality,
                ModalityNames.ParseRecorded(card.Preprocessing.Modality), SliceOrientationNames.ParseRecorded(card.ExpectedSliceOrientation()), readOptions);
            detection = new LocalScanDetection(new AnomalyDetector(unet, diffusion), settings);
            AnsiConsole.MarkupLine($"Model [bold]{Markup.Escape(card.Name)} {Markup.Escape(card.Version)}[/], profile {Markup.Escape(settings.ProfileName)}, on {Markup.Escape(device.ToString())}.");
        }
        catch (Exception e) when (ModelLoadRefusal.Applies(e))
        {
            throw ModelLoadRefusal.Of(e);
        }

        using (unet)
        using (diffusion)
        {
            return DetectAll(detection, files, output, cancellationToken);
        }
    }

    private static int DetectAll(LocalScanDetection detection, string[] files, string output, CancellationToken cancellationToken)
    {
        var failures = new List<string>();
        var table = new Table().AddColumn("scan").AddColumn("slices").AddColumn("anomalous px").AddColumn("results");
        AnsiConsole.Progress().Start(context =>
        {
            for (int i = 0; i < files.Length; i++)
            {
                // The progress and failure lines name a scan by its position ("scan 2 of 5"): file names can carry patient
                // data, and failure lines are the ones pasted into tickets. The table's results column does show each
                // scan's folder, whose name holds the file's stem (OutputFolderName): it is where the user finds the results.
                string label = $"scan {i + 1} of {files.Length}";
                var task = context.AddTask(label, maxValue: 1);
                string folder = Path.Combine(output, OutputFolderName(files[i], i));
                try
                {
                    var report = ResultFolder.WriteReplacing(folder, staging => detection.Run(files[i], staging, (done, total) =>
                    {
                        task.MaxValue = Math.Max(total, 1);
                        task.Value = done;
                    }, cancellationToken));
                    task.Value = task.MaxValue;
                    table.AddRow(label, report.Slices.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        report.AnomalousVoxels.ToString(System.Globalization.CultureInfo.InvariantCulture), Markup.Escape(folder));
                }
                catch (ScanRejectedException e)
                {
                    // The reader's rejections describe the bytes, never the file's name or path.
                    task.StopTask();
                    failures.Add($"{label}: {e.Message}");
                }
                catch (Exception e) when (UnreadableInputException.IsFileError(e))
                {
                    // A file error's message quotes the full path (of the input, or of the result folder named after it).
                    task.StopTask();
                    failures.Add($"{label}: {UnreadableInputException.Reason(e)}");
                }
            }
        });

        AnsiConsole.Write(table);
        foreach (string failure in failures)
        {
            // On stderr and unwrapped, as every verb's errors: through Spectre.Console it went to stdout, broken at the
            // console's width (80 columns when redirected), so neither 2>file nor a grep for the reason found it whole.
            Console.Error.WriteLine($"error: {failure}");
        }

        return failures.Count == 0 ? 0 : 1;
    }

    /// <summary>
    /// The result folder of one input: its position in the command line (001, 002, ...) and its file name without any
    /// extension. The position alone keeps folders apart, so inputs of the same stem (a.nii and a.nii.gz, or a.png in two
    /// folders) never write into one folder; the stem only helps the user tell the folders apart.
    /// </summary>
    private static string OutputFolderName(string path, int index)
    {
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(path));
        int dot = name.IndexOf('.', StringComparison.Ordinal);
        string stem = dot > 0 ? name[..dot] : name;
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{index + 1:D3}-{stem}");
    }
}
