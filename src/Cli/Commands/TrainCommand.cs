using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Synomaly.Contracts;
using Synomaly.Diffusion;
using Synomaly.Diffusion.Model;
using Synomaly.Diffusion.Noise;
using Synomaly.Diffusion.Schedules;
using Synomaly.Diffusion.Training;
using Synomaly.Diffusion.Weights;
using Synomaly.Evaluation;

namespace Synomaly.Cli.Commands;

/// <summary>`synomaly train`: trains a Synomaly model on healthy images; resumes from the output folder's checkpoint.</summary>
public static class TrainCommand
{
    /// <summary>The exit code of a training stopped by Ctrl+C or SIGTERM (checkpointed, resumable): 128 + SIGINT, as the command runner's.</summary>
    public const int CancelledExitCode = 130;

    public static Command Create()
    {
        var input = new Argument<string>("input") { Description = "Healthy training data: a folder, a glob (dir/*.png) or a manifest (.txt, one path per line)." };
        var output = new Option<string>("--out") { Description = "Output folder: the model in model/ (the --model of detect, tune, evaluate and demo), the checkpoint and the loss curve; resumes if a checkpoint is there.", Required = true };
        var size = new Option<int>("--size") { Description = "Model image size.", DefaultValueFactory = _ => 128 };
        var channels = new Option<int>("--model-channels") { Description = "Base channel count (a multiple of 32).", DefaultValueFactory = _ => 128 };
        var mult = new Option<string>("--channel-mult") { Description = "Channel multipliers per level; empty = the reference's default for the size.", DefaultValueFactory = _ => "" };
        var resBlocks = new Option<int>("--res-blocks") { Description = "Residual blocks per level.", DefaultValueFactory = _ => 2 };
        var attention = new Option<string>("--attention") { Description = "Attention at these downsample factors (comma list): level n of --channel-mult (from 0) is at factor 2^n, and at least one factor listed must be a level's.", DefaultValueFactory = _ => "32,16,8" };
        var headChannels = new Option<int>("--head-channels") { Description = "Channels per attention head.", DefaultValueFactory = _ => 64 };
        var steps = new Option<int>("--steps") { Description = "Total optimisation steps.", DefaultValueFactory = _ => 1000 };
        // The settings a resume may change (TrainingSettings) have no fixed default: a fresh run takes the modality's, a
        // resume the checkpoint's last phase, and only a value given on the command line starts a new phase.
        // --batch-size is detect's name for a batch size: taken as an alias, --batch staying for the scripts that use it.
        var batch = new Option<int?>("--batch", "--batch-size") { Description = "Batch size (default: the modality's, the reference's 8, 12 for liver-ct; a resume keeps the checkpoint's)." };
        var lr = new Option<double?>("--lr") { Description = "AdamW learning rate (default: the modality's, the reference's 1e-5, 1e-4 for liver-ct; a resume keeps the checkpoint's, a value given starts a new phase)." };
        var loss = new Option<string>("--loss") { Description = "vlb (the authors' hybrid) or mse (default: vlb; a resume keeps the checkpoint's)." }.OneOf("vlb", "mse");
        var weightDecay = new Option<double?>("--weight-decay") { Description = "AdamW weight decay (default: 0, as the authors; a resume keeps the checkpoint's)." };
        var clipNorm = new Option<double?>("--clip-norm") { Description = "Clip the gradients at this global L2 norm (default: 1, as the authors; a resume keeps the checkpoint's)." };
        var ema = new Option<double?>("--ema") { Description = "EMA decay (default: 0 = off, as the authors; a resume keeps the checkpoint's)." };
        var modality = new Option<string>("--modality") { Description = "brain-mri, liver-ct or carotid-us: the preprocessing preset (recorded in the model card for inference), the default Synomaly noise, flips, learning rate and batch size (docs/EVALUATION.md, Training options).", DefaultValueFactory = _ => ModalityNames.BrainMri };
        var preset = new Option<string?>("--noise") { Description = "Synomaly noise preset: brain-mri, ct or ultrasound (default: the modality's, docs/EVALUATION.md, Training options; a resume keeps the checkpoint's noise, overrides included)." };
        var noiseSigma = new Option<double?>("--noise-sigma") { Description = "Overrides the preset's anomaly blur sigma σ." };
        var noiseThreshold = new Option<double?>("--noise-threshold") { Description = "Overrides the preset's threshold τ on the 0..255 rescaled blur." };
        var noiseOffset = new Option<double?>("--noise-offset") { Description = "Overrides the preset's intensity offset o." };
        var noiseDirection = new Option<string?>("--noise-direction") { Description = "Overrides the preset's direction: 1 (brighter), -1 (darker) or a comma list drawn from per image (1,-1: both)." };
        var initFrom = new Option<string?>("--init-from") { Description = "A saved model folder whose weights start the run (fine-tuning); same architecture required; ignored on resume, where the checkpoint holds the weights." };
        var regionMask = new Option<string>("--region-mask")
        {
            Description = "Where Synomaly blobs may go (docs/EVALUATION.md, Training options): none (the released configs), centred-disk (the reference's ultrasound disk), or a folder of masks mirroring the training data (non-zero = region).",
            DefaultValueFactory = _ => RegionMaskSource.None.Name(),
        };
        var flips = new Option<bool?>("--flips") { Description = "Random horizontal and vertical flips (default: the modality's, on, off for liver-ct as the reference; a resume keeps the checkpoint's)." };
        var sampling = new Option<string>("--sampling")
        {
            Description = "epoch (default: a seeded permutation per epoch, every image once per epoch, as the reference's shuffled DataLoader) or replacement (each batch drawn with replacement, as runs before the option); a resume keeps the checkpoint's, one from before the option resumes with replacement.",
        }.OneOf("epoch", "replacement");
        var precision = new Option<string>("--precision") { Description = "fp32, bf16 or fp16 forward/backward; weights stay float32 (fp16 with loss scaling, meant for CUDA).", DefaultValueFactory = _ => "fp32" };
        var maxT = new Option<int?>("--max-timestep") { Description = $"Draw t from [0, N) instead of the whole schedule, N at most its {TrainingRun.ScheduleTimesteps} steps (default: 0 = whole, as the authors; a resume keeps the checkpoint's)." };
        var seed = new Option<long>("--seed") { Description = "Seed of every random draw: the starting weights (unless resumed or --init-from), batches, timesteps, flips and Synomaly noise.", DefaultValueFactory = _ => 1234 };
        var device = new Option<string>("--device") { Description = "cpu, cuda, cuda:N or auto.", DefaultValueFactory = _ => "auto" };
        var name = new Option<string>("--name") { Description = "Model name in the exported model card.", DefaultValueFactory = _ => "synomaly-model" };
        var version = new Option<string>("--version") { Description = "Model version in the exported model card.", DefaultValueFactory = _ => "0.1.0" };
        var dataDescription = new Option<string>("--data-description") { Description = "What the training data is and where it comes from, for the model card (its licence goes in --data-licence).", DefaultValueFactory = _ => "unspecified" };
        var dataLicence = new Option<string>("--data-licence") { Description = "Licence of the training data, for the model card.", DefaultValueFactory = _ => "unspecified" };
        var maxMinutes = new Option<double>("--max-minutes")
        {
            Description = "Wall-clock budget of the training loop in minutes (0 = none): stops after the step in progress, checkpoints and exports the model as far as it got; the same command resumes.",
            DefaultValueFactory = _ => 0,
        };
        var every = new Option<int>("--checkpoint-every") { Description = "Checkpoint interval in steps.", DefaultValueFactory = _ => 200 };
        var command = new Command("train", "Train a Synomaly diffusion model on healthy scans.")
        {
            input, output, modality, size, channels, mult, resBlocks, attention, headChannels, steps, batch, lr, weightDecay, clipNorm, loss, ema, preset, noiseSigma, noiseThreshold, noiseOffset, noiseDirection, regionMask, initFrom, flips, sampling, precision, maxT, seed, device, every, maxMinutes, name, version, dataDescription, dataLicence,
        };
        command.SetAction((parse, cancellationToken) => Task.FromResult(Run(parse, cancellationToken)));
        return command;

        int Run(ParseResult parse, CancellationToken cancellationToken)
        {
            var modelConfig = new UNetConfig
            {
                ImageSize = parse.GetValue(size),
                ModelChannels = parse.GetValue(channels),
                ChannelMult = parse.GetValue(mult) ?? "",
                NumResBlocks = parse.GetValue(resBlocks),
                AttentionResolutions = parse.GetValue(attention) ?? "",
                NumHeadChannels = parse.GetValue(headChannels),
            };
            var trainingModality = UsageException.Guard(() => TrainingModality.Parse(parse.GetValue(modality)));
            string checkpointDirectory = TrainingRun.CheckpointDirectoryIn(parse.GetValue(output)!);
            var options = trainingModality.Apply(new TrainingOptions
            {
                Steps = parse.GetValue(steps),
                Precision = TrainingPrecisions.Parse(parse.GetValue(precision)),
                Sampling = parse.GetValue(sampling) is { } samplingName
                    ? BatchSamplings.Parse(samplingName)
                    : TrainingCheckpoint.RecordedSampling(checkpointDirectory) ?? BatchSampling.Epoch,
                Seed = parse.GetValue(seed),
                CheckpointEvery = parse.GetValue(every),
            });

            // A resume goes on with the settings its last phase trained with: the command line's defaults would otherwise
            // switch a run trained at --lr 5e-4 with mse back to 1e-5 and vlb without a word.
            var lastPhase = TrainingCheckpoint.LastPhase(checkpointDirectory);
            options = lastPhase?.Settings?.ApplyTo(options) ?? options;
            options = options with
            {
                BatchSize = parse.GetValue(batch) ?? options.BatchSize,
                LearningRate = parse.GetValue(lr) ?? options.LearningRate,
                WeightDecay = parse.GetValue(weightDecay) ?? options.WeightDecay,
                GradientClipNorm = parse.GetValue(clipNorm) ?? options.GradientClipNorm,
                Loss = parse.GetValue(loss) is { } lossName ? (OptionChoices.Is(lossName, "mse") ? LossType.Mse : LossType.Vlb) : options.Loss,
                EmaDecay = parse.GetValue(ema) ?? options.EmaDecay,
                MaxTimestep = parse.GetValue(maxT) ?? options.MaxTimestep,
                RandomFlips = parse.GetValue(flips) ?? options.RandomFlips,
            };
            // The noise too: a run trained with --noise-direction 1,-1 resumes with it unless a --noise option is given, which
            // the checkpoint then refuses naming the option that differs.
            var noise = parse.GetValue(preset) is { } presetName ? NoisePreset(presetName) : TrainingCheckpoint.RecordedNoiseOf(checkpointDirectory) ?? options.Noise;
            options = options with
            {
                Noise = noise with
                {
                    Sigma = parse.GetValue(noiseSigma) ?? noise.Sigma,
                    Threshold = parse.GetValue(noiseThreshold) ?? noise.Threshold,
                    Offset = parse.GetValue(noiseOffset) ?? noise.Offset,
                    Directions = parse.GetValue(noiseDirection) is { } directions ? SynomalyNoiseOptions.ParseDirections(directions) : noise.Directions,
                },
            };
            var (maskSource, maskFolder) = RegionMaskChoice(parse.GetValue(regionMask)!);
            options = options with { RegionMask = maskSource };
            double minutes = parse.GetValue(maxMinutes);
            if (minutes < 0 || !double.IsFinite(minutes))
            {
                throw new UsageException("--max-minutes must be 0 (no budget) or a positive number of minutes.");
            }

            // Checked before any data is read or anything written: a size the network cannot halve would otherwise end in
            // a native libtorch error from the first forward pass, and a NaN --lr at the first checkpoint.
            TrainModelOptions.Check(modelConfig);
            if (!TrainingCheckpoint.Exists(checkpointDirectory) && parse.GetValue(initFrom) is null)
            {
                TrainModelOptions.CheckAttentionPlaced(modelConfig);
            }

            UsageException.Guard(() => options.Validate(TrainingRun.ScheduleTimesteps));

            // A resume with another network or run configuration is refused before the data is read, naming the option.
            TrainResumeCheck.Require(checkpointDirectory, modelConfig, options);
            TrainInitFromCheck.Require(parse.GetValue(initFrom), checkpointDirectory, modelConfig);
            TrainingRun.RequireResumableOrUnused(parse.GetValue(output)!);
            var files = TrainRunFolder.LeftOutOf(UnreadableInputException.Guard(() => InputFiles.Resolve(parse.GetValue(input)!, $"<{input.Name}>")), parse.GetValue(output)!);
            // Other training data for the epoch in progress, refused from the listing, before any file is decoded.
            TrainInputRecord.Require(parse.GetValue(output)!, checkpointDirectory, options.Sampling, files.Count);
            bool resuming = TrainingCheckpoint.Exists(checkpointDirectory);
            var torchDevice = TorchDevice.Resolve(parse.GetValue(device));
            // A mask folder inside the training data is refused as a usage error: its masks would be trained on as images.
            var maskFiles = maskFolder is null ? null : UsageException.Guard(() => UnreadableInputException.Guard(() => RegionMaskFiles.Pair(parse.GetValue(input)!, files, maskFolder)));
            TrainingSet set;
            try
            {
                set = UnreadableInputException.Guard(ReadTrainingSet);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Nothing is written before the data is read, so there is nothing to checkpoint: a run stopped here starts
                // afresh. From the first step on, a cancelled run checkpoints instead (TrainingRun.Train).
                Console.Error.WriteLine("cancelled: train stopped while reading the training data; nothing was written.");
                return CancelledExitCode;
            }

            if (set.Count == 0)
            {
                // Refused here, with the reasons: an empty set would otherwise fail inside the trainer without saying why.
                throw new NoUsableSlicesException(files.Count, set);
            }

            if (lastPhase is not null)
            {
                AnsiConsole.MarkupLine(CultureInfo.InvariantCulture, "[grey]Resuming after step {0} with {1}[/]", lastPhase.ToStep, Markup.Escape(DescribeSettings(options)));
            }

            AnsiConsole.MarkupLine(
                CultureInfo.InvariantCulture, "[grey]{0} slices from {1} files ({2} skipped, {3} blank slices left out), {4} preset, {5} on {6}[/]",
                set.Count, files.Count, set.Skipped.Count, set.BlankSlices.Count, set.PresetName, options.Precision.Name(), torchDevice);
            if (options.Precision == TrainingPrecision.Fp16 && torchDevice.type == TorchSharp.DeviceType.CPU)
            {
                AnsiConsole.MarkupLine("[yellow]fp16 on the CPU runs libtorch's slow float16 kernels; bf16 is the reduced precision for CPUs.[/]");
            }

            if (!resuming)
            {
                TrainInputRecord.Write(parse.GetValue(output)!, files.Count);
            }
            else if (lastPhase is not null && lastPhase.ToStep >= options.Steps)
            {
                // Re-running with the step reached is the documented way to export; without this line the run printed a
                // progress bar at 0% and "Training done", as if it had trained (or, with fewer --steps, cut the model back).
                AnsiConsole.MarkupLine(
                    CultureInfo.InvariantCulture, "[grey]The checkpoint is at step {0} (--steps {1}): nothing to train; the model is exported as trained to step {0}.[/]", lastPhase.ToStep, options.Steps);
            }

            using var images = set.ToTensor();
            using var masks = set.ToRegionMaskTensor();
            var run = new TrainingRun(modelConfig, options, torchDevice, parse.GetValue(output)!)
            {
                InitialWeights = parse.GetValue(initFrom),
                RegionMasks = masks,
                TimeLimit = minutes > 0 ? TimeSpan.FromMinutes(minutes) : null,
            };
            try
            {
                TrainWithProgress();
            }
            catch (TrainingCheckpointMismatchException e)
            {
                // Every other mismatch was refused above, before the data was read: what only the trainer can find is other
                // training data, the same number of files giving another number of images for the epoch in progress.
                throw new UsageException(e.Option is { } option ? $"{option}: {e.Message}" : $"input: {e.Message}", e);
            }

            if (resuming && !TrainInputRecord.Exists(parse.GetValue(output)!))
            {
                // A checkpoint from before the record was kept: the trainer has accepted this data, so its listing is the run's.
                TrainInputRecord.Write(parse.GetValue(output)!, files.Count);
            }

            // Said, and shown on a terminal, while the files are read (minutes on a large set): before, nothing was printed
            // until all were read, and the run looked hung. The line is printed whatever the console: Spectre.Console's
            // progress shows nothing when its output is redirected and the reading takes under a second.
            TrainingSet ReadTrainingSet()
            {
                AnsiConsole.MarkupLine(CultureInfo.InvariantCulture, "[grey]Reading {0} training files[/]", files.Count);
                return AnsiConsole.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                    .Start(context =>
                    {
                        var task = context.AddTask("reading", maxValue: Math.Max(1, files.Count));
                        var read = TrainingSet.Load(
                            files, trainingModality.Preset(modelConfig.ImageSize), modelConfig.ImageSize, maskFiles, new InlineProgress<int>(done => task.Value = done), $"<{input.Name}>", cancellationToken);
                        task.Value = task.MaxValue;
                        return read;
                    });
            }

            void TrainWithProgress() => AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(context =>
                {
                    var task = context.AddTask("training", maxValue: options.Steps);
                    using var model = run.Train(images, step =>
                    {
                        task.Value = step.Step;
                        task.Description = string.Create(CultureInfo.InvariantCulture, $"step {step.Step} loss {step.Loss:F4} {step.ImagesPerSecond:F1} img/s");
                    }, cancellationToken);
                    if (run.StepsTrained == 0)
                    {
                        // Cancelled before the first step: untrained weights are no model, and the card has no loss to record.
                        return;
                    }

                    // The card records the steps the weights were trained to, which is fewer than requested after a
                    // time limit or a cancellation.
                    var trained = options with { Steps = run.StepsTrained };
                    var card = ModelCards.ForTraining(parse.GetValue(name)!, parse.GetValue(version)!, modelConfig, trainingModality, trained, parse.GetValue(dataDescription)!, parse.GetValue(dataLicence)!, run.LastLoss, run.InitialisedFrom, run.Phases);
                    ModelPackage.Save(Path.Combine(parse.GetValue(output)!, "model"), model, card);
                });
            if (run.Resumed && run.InitialWeights is not null)
            {
                AnsiConsole.MarkupLine(
                    "[grey]Resumed from the checkpoint, so --init-from was not loaded; the run began from {0}.[/]",
                    Markup.Escape(run.InitialisedFrom?.ToString() ?? "a random initialisation"));
            }

            if (run.StoppedBy == TrainingStop.Cancelled)
            {
                // Not "done", and not exit 0: a script that runs train and then tune or evaluate (scripts/demo-model.sh)
                // must stop when the user or the OS stopped the training. A spent --max-minutes budget is a planned end
                // and keeps exit 0.
                AnsiConsole.MarkupLine(
                    CultureInfo.InvariantCulture,
                    "[yellow]Training stopped (cancelled) at step {0} of {1}[/]: the checkpoint (and the model, once a step was trained) are in {2}; the same command resumes.",
                    run.StepsTrained, options.Steps, Markup.Escape(parse.GetValue(output)!));
                return CancelledExitCode;
            }

            if (run.StoppedBy == TrainingStop.TimeLimit)
            {
                AnsiConsole.MarkupLine(
                    CultureInfo.InvariantCulture,
                    "[yellow]Time limit reached at step {0} of {1}[/]: the model was exported as far as it got, and the same command resumes from the checkpoint.",
                    run.StepsTrained, options.Steps);
            }

            AnsiConsole.MarkupLine("[green]Training done.[/] Model (model/), checkpoint and loss curve in {0}", Markup.Escape(parse.GetValue(output)!));
            return 0;
        }
    }

    /// <summary>The settings a resume may change, as the run will use them (from the checkpoint unless given).</summary>
    private static string DescribeSettings(TrainingOptions options) => string.Create(
        CultureInfo.InvariantCulture,
        $"lr {options.LearningRate}, weight decay {options.WeightDecay}, clip norm {options.GradientClipNorm}, batch {options.BatchSize}, loss {options.Loss.ToString().ToLowerInvariant()}, EMA {options.EmaDecay}, max timestep {options.MaxTimestep}, flips {(options.RandomFlips ? "on" : "off")}, {options.Sampling.Name()} sampling, Synomaly noise {options.Noise.Describe()} (the checkpoint's unless given)");

    /// <summary>none, centred-disk (or centered-disk), or else the folder of per-image masks.</summary>
    private static (RegionMaskSource Source, string? Folder) RegionMaskChoice(string value) => value.Trim().ToLowerInvariant() switch
    {
        "none" => (RegionMaskSource.None, null),
        "centred-disk" or "centered-disk" => (RegionMaskSource.CentredDisk, null),
        _ => (RegionMaskSource.PerImage, value),
    };

    private static SynomalyNoiseOptions NoisePreset(string name) => name.ToLowerInvariant() switch
    {
        "brain-mri" or "brats" => SynomalyNoiseOptions.Brats,
        "ct" or "lits" => SynomalyNoiseOptions.Lits,
        "ultrasound" or "us" => SynomalyNoiseOptions.Ultrasound,
        _ => throw new UsageException($"Unknown noise preset '{name}' (brain-mri, ct, ultrasound)."),
    };
}
