using System.Text.Json;
using Synomaly.Diffusion.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Training;

/// <summary>
/// The complete state of a training run in one folder, so that a resumed run continues exactly where it stopped:
/// weights (<c>model.dat</c>), optimizer moments (<c>optimizer.dat</c>), EMA weights (<c>ema.dat</c>, when enabled), the
/// generator state (<c>rng.dat</c>) and the step, batch sampling with the epoch's permutation and position, loss history, seed, precision and float16 loss-scaler state
/// (<c>state.json</c>), with the model configuration (when the model is a <see cref="UNet"/>), the data preparation, Synomaly noise and
/// region mask the run trained on, the phases of settings it ran (learning rate and the like may change between sittings) and the model
/// it was warm-started from. Written to a temporary folder, each file flushed to disk, then
/// moved into place, so a crash mid-save never leaves a half checkpoint (a power loss neither: the data is on disk before
/// the moves; the folder entries themselves are not synced, so the last move may be lost, leaving the previous checkpoint). A checkpoint resumes only a run with the same model
/// configuration, seed, precision, batch sampling, data preparation, noise and region mask: anything else would not continue the same run (the weights would carry over, but
/// the loss history and the generator stream would mix two runs, or the model would learn another task half-way).
/// Refusals call the checkpoint "the checkpoint in the output folder" (train keeps it in checkpoint/ under --out), never
/// by its path: folder names can carry patient names, and these lines are the ones pasted into tickets.
/// </summary>
public static class TrainingCheckpoint
{
    private const string StateFile = "state.json";

    public static void Save(DiffusionTrainer trainer, string directory)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        string full = Path.GetFullPath(directory);
        string temporary = full + ".tmp-" + Environment.ProcessId;
        if (Directory.Exists(temporary))
        {
            Directory.Delete(temporary, recursive: true);
        }

        Directory.CreateDirectory(temporary);
        trainer.Model.save(Path.Combine(temporary, "model.dat"));
        trainer.Optimizer.save_state_dict(Path.Combine(temporary, "optimizer.dat"));
        if (trainer.Ema is not null)
        {
            WriteTensors(Path.Combine(temporary, "ema.dat"), trainer.Ema.State);
        }

        using (var state = trainer.Generator.get_state())
        {
            WriteTensors(Path.Combine(temporary, "rng.dat"), new Dictionary<string, Tensor> { ["generator"] = state });
        }

        var json = JsonSerializer.Serialize(new CheckpointState(
            trainer.Step, [.. trainer.LossHistory], trainer.Options.Seed, trainer.Options.Precision.Name(), trainer.LossScaler?.Scale, trainer.LossScaler?.CleanSteps,
            trainer.Options.DataPreparation, trainer.Options.Noise.Describe(), [.. trainer.Phases], trainer.InitialisedFrom, trainer.Options.RegionMask.Name(),
            (trainer.Model as UNet)?.Config, trainer.Options.Sampling.Name(), trainer.Epoch?.Order, trainer.Epoch?.Position));
        File.WriteAllText(Path.Combine(temporary, StateFile), json);
        FlushToDisk(temporary);

        // The old checkpoint is moved aside, not deleted, until the new one is in place: a crash between the two moves
        // leaves it in the ".previous" folder, from which Load restores it, instead of no checkpoint (and a silent
        // restart from step 0 that would overwrite the run).
        string previous = PreviousOf(full);
        if (Directory.Exists(full))
        {
            if (Directory.Exists(previous))
            {
                Directory.Delete(previous, recursive: true);
            }

            Directory.Move(full, previous);
        }

        Directory.Move(temporary, full);
        if (Directory.Exists(previous))
        {
            Directory.Delete(previous, recursive: true);
        }
    }

    /// <summary>
    /// Forces every file of the new checkpoint out of the OS cache before it is moved into place. Without it the moves
    /// could reach the disk before the data, and a power loss (not a mere process crash) would leave a checkpoint folder
    /// of empty or partly written files in place of the old one.
    /// </summary>
    private static void FlushToDisk(string directory)
    {
        foreach (string file in Directory.EnumerateFiles(directory))
        {
            // Opened for writing because .NET only calls fsync on a stream that can write; nothing is written.
            using var stream = new FileStream(file, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
            stream.Flush(flushToDisk: true);
        }
    }

    /// <summary>Whether the folder holds a checkpoint, or a save into it was interrupted with the last one set aside.</summary>
    public static bool Exists(string directory) => HasState(directory) || HasState(PreviousOf(Path.GetFullPath(directory)));

    /// <summary>
    /// The last phase the checkpoint in <paramref name="directory"/> recorded, so that a resume can go on with the settings
    /// it trained with rather than the command line's defaults; null without a checkpoint, and for a checkpoint written
    /// before phases were recorded or whose last phase's settings are unknown. Needs only state.json.
    /// </summary>
    public static TrainingPhase? LastPhase(string directory)
    {
        RestoreInterruptedSave(directory);
        return HasState(directory) && ReadState(directory).Phases is [.., { Settings: not null } last] ? last : null;
    }

    /// <summary>
    /// Whether the checkpoint in <paramref name="directory"/> records its phases and, with them, the model the run started
    /// from (null for a random start), which <see cref="Load"/> restores; false without a checkpoint, and for one written
    /// before phases were recorded, whose warm start only the caller can name. Needs only state.json.
    /// </summary>
    public static bool RecordsLineage(string directory)
    {
        RestoreInterruptedSave(directory);
        return HasState(directory) && ReadState(directory).Phases is not null;
    }

    /// <summary>
    /// How the run checkpointed in <paramref name="directory"/> takes its batches, so that a resume goes on the same way:
    /// null without a checkpoint, replacement for a checkpoint from before the option (every run then drew so).
    /// </summary>
    public static BatchSampling? RecordedSampling(string directory)
    {
        RestoreInterruptedSave(directory);
        if (!HasState(directory))
        {
            return null;
        }

        return ReadState(directory).Sampling is { } name ? BatchSamplings.Parse(name) : BatchSampling.Replacement;
    }

    /// <summary>
    /// The Synomaly noise the run checkpointed in <paramref name="directory"/> trained with, so that a resume goes on with it
    /// as it does with its last phase's settings: null without a checkpoint, and for one written before the noise was
    /// recorded. Needs only state.json.
    /// </summary>
    public static Noise.SynomalyNoiseOptions? RecordedNoiseOf(string directory)
    {
        RestoreInterruptedSave(directory);
        return HasState(directory) && ReadState(directory).Noise is { } described ? RecordedNoise.Parse(described) : null;
    }

    /// <summary>
    /// Loads the checkpoint's weights into <paramref name="model"/>. Call it while the model is still on the CPU and before
    /// a trainer is built on it, then <see cref="Load"/> with <c>weightsLoaded: true</c>: TorchSharp's <c>Module.load</c>
    /// moves a module that is elsewhere to the CPU and back, which replaces every parameter, so an optimizer built before
    /// would hold disposed tensors (on CUDA a resume would throw at the optimizer's state).
    /// </summary>
    public static void LoadWeights(nn.Module model, string directory)
    {
        ArgumentNullException.ThrowIfNull(model);
        RequireCheckpoint(directory);
        if (model is UNet unet)
        {
            RequireSameModel(directory, unet.Config);
        }

        model.load(Path.Combine(directory, "model.dat"));
    }

    /// <summary>
    /// Refuses, naming the argument and both values, a model configuration other than the one the checkpoint in
    /// <paramref name="directory"/> was trained with. Weights of the same shapes would load without complaint, so a run
    /// at another --size would otherwise resume silently. Needs only state.json, so a command can ask before it reads any
    /// data. Checkpoints written before the configuration was recorded, and folders without a checkpoint, pass.
    /// </summary>
    public static void RequireSameModel(string directory, UNetConfig requested)
    {
        ArgumentNullException.ThrowIfNull(requested);
        RestoreInterruptedSave(directory);
        if (HasState(directory))
        {
            RequireSameModel(ReadState(directory), requested);
        }
    }

    private static void RequireSameModel(CheckpointState state, UNetConfig requested)
    {
        if (state.Model is not { } recorded || ModelConfigDifference.Between(recorded, requested) is not { } difference)
        {
            return;
        }

        string remedy = difference.Option is { } option ? $"resume with {option} {difference.Recorded}" : "resume with the checkpoint's model configuration";
        throw new TrainingCheckpointMismatchException(
            $"The checkpoint in the output folder was trained with {difference.Argument} {difference.Recorded}, the run asks for {difference.Requested}: {remedy}, or train into a new output folder.",
            difference.Option);
    }

    /// <summary>
    /// Refuses, naming the option and both values, run options other than the ones the checkpoint in
    /// <paramref name="directory"/> was made with: the seed, precision, data preparation (--modality), Synomaly noise, region
    /// mask and batch sampling, and no EMA where the checkpoint keeps an average. Continuing would not reproduce an
    /// uninterrupted run. Needs only the checkpoint's files, not the data, so a command can ask before it reads any; the one
    /// check that needs the data (the epoch's image count) is <see cref="Load"/>'s. Folders without a checkpoint pass.
    /// </summary>
    public static void RequireSameRun(string directory, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        RestoreInterruptedSave(directory);
        if (HasState(directory))
        {
            RequireSameRun(directory, ReadState(directory), options);
        }
    }

    private static void RequireSameRun(string directory, CheckpointState state, TrainingOptions options)
    {
        if (state.Seed != options.Seed)
        {
            throw new TrainingCheckpointMismatchException(
                $"The checkpoint in the output folder was made with seed {state.Seed}, the run asks for {options.Seed}: resume with --seed {state.Seed}, or train into a new output folder.",
                "--seed");
        }

        // Checkpoints from before precision was recorded were all float32.
        string precision = state.Precision ?? TrainingPrecision.Fp32.Name();
        if (precision != options.Precision.Name())
        {
            throw new TrainingCheckpointMismatchException(
                $"The checkpoint in the output folder was trained in {precision}, the run asks for {options.Precision.Name()}: resume with --precision {precision}, or train into a new output folder.",
                "--precision");
        }

        // Checkpoints from before these were recorded say nothing about them, and are not refused.
        if (state.DataPreparation is not null && options.DataPreparation is not null && state.DataPreparation != options.DataPreparation)
        {
            throw new TrainingCheckpointMismatchException(
                $"The checkpoint in the output folder was trained on {state.DataPreparation} images, the run asks for {options.DataPreparation}: resume with --modality {state.DataPreparation}, or train into a new output folder.",
                "--modality");
        }

        string noise = options.Noise.Describe();
        if (state.Noise is not null && state.Noise != noise)
        {
            // Named option by option: an override such as --noise-direction 1,-1 is no preset, so "the same --noise" could
            // not be followed. The message names them; no single option is the one at fault.
            string remedy = RecordedNoise.Parse(state.Noise) is { } recorded && RecordedNoise.OptionsToRestore(recorded, options.Noise) is { Length: > 0 } restore
                ? $"resume with {restore} (or with no --noise option: a resume goes on with its checkpoint's noise)"
                : "resume with the checkpoint's --noise options (or none: a resume goes on with its checkpoint's noise)";
            throw new TrainingCheckpointMismatchException(
                $"The checkpoint in the output folder was trained with Synomaly noise {state.Noise}, the run asks for {noise}: {remedy}, or train into a new output folder.");
        }

        // Checkpoints from before region masks were an option were all trained without one.
        string regionMask = state.RegionMask ?? RegionMaskSource.None.Name();
        if (regionMask != options.RegionMask.Name())
        {
            throw new TrainingCheckpointMismatchException(
                $"The checkpoint in the output folder was trained with region mask {regionMask}, the run asks for {options.RegionMask.Name()}: resume with the same --region-mask, or train into a new output folder.",
                "--region-mask");
        }

        // Checkpoints from before the option drew their batches with replacement, and resume so.
        string sampling = state.Sampling ?? BatchSampling.Replacement.Name();
        if (sampling != options.Sampling.Name())
        {
            throw new TrainingCheckpointMismatchException(
                $"The checkpoint in the output folder took its batches by {sampling} sampling, the run asks for {options.Sampling.Name()}: resume with --sampling {sampling}, or train into a new output folder.",
                "--sampling");
        }

        // A trainer keeps an average exactly when the decay is above 0 (DiffusionTrainer.Ema).
        if (!(options.EmaDecay > 0) && File.Exists(Path.Combine(directory, "ema.dat")))
        {
            // --ema defaults to off: a resume that forgets it would export the raw weights and never save the average again.
            string decay = state.Phases is [.., { Settings.EmaDecay: > 0 and var last }] ? FormattableString.Invariant($" {last}") : " <decay>";
            throw new TrainingCheckpointMismatchException(
                $"The checkpoint in the output folder keeps EMA weights, and the run asks for none: resuming would drop the average. Resume with --ema{decay}, or train into a new output folder.",
                "--ema");
        }
    }

    /// <summary>
    /// Restores a trainer built with the same model configuration and options to the saved state: its weights too, unless
    /// <paramref name="weightsLoaded"/> says <see cref="LoadWeights"/> has put them into the model already.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// The weights are to be loaded here but the trainer's model is off the CPU (see <see cref="LoadWeights"/>).
    /// </exception>
    public static void Load(DiffusionTrainer trainer, string directory, bool weightsLoaded = false)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        if (!weightsLoaded)
        {
            RequireModelOnTheCpu(trainer.Model);
        }

        RequireCheckpoint(directory);
        var state = ReadState(directory);
        if (trainer.Model is UNet unet)
        {
            RequireSameModel(state, unet.Config);
        }

        RequireSameRun(directory, state, trainer.Options);
        if (state.EpochOrder is { } order && order.Length != trainer.ImageCount)
        {
            throw new TrainingCheckpointMismatchException(
                $"The checkpoint in the output folder was taking its batches from an epoch of {order.Length} images, the run has {trainer.ImageCount}: resume with the same training data, or train into a new output folder.");
        }

        if (!weightsLoaded)
        {
            trainer.Model.load(Path.Combine(directory, "model.dat"));
        }

        trainer.Optimizer.load_state_dict(Path.Combine(directory, "optimizer.dat"));
        trainer.ApplyRunOptimizerSettings();
        string emaFile = Path.Combine(directory, "ema.dat");
        if (trainer.Ema is not null && File.Exists(emaFile))
        {
            ReadTensors(emaFile, trainer.Ema.State);
        }
        else if (trainer.Ema is not null)
        {
            // EMA switched on at this sitting: the average starts from the checkpoint's weights, as it would at step 0.
            trainer.Ema.Load(trainer.Model.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter));
        }

        using var generatorState = trainer.Generator.get_state();
        ReadTensors(Path.Combine(directory, "rng.dat"), new Dictionary<string, Tensor> { ["generator"] = generatorState });
        trainer.Generator.set_state(generatorState);
        if (trainer.LossScaler is not null)
        {
            trainer.LossScaler.Restore(
                state.LossScale ?? throw new InvalidDataException($"The checkpoint's {StateFile} lacks the fp16 loss scale."), state.LossScalerCleanSteps ?? 0);
        }

        trainer.Step = state.Step;
        trainer.Epoch = state.EpochOrder is { } epochOrder ? (epochOrder, state.EpochPosition ?? epochOrder.Length) : null;
        trainer.LossHistory.Clear();
        trainer.LossHistory.AddRange(state.Losses);

        // Checkpoints from before phases were recorded know neither the earlier settings nor the warm start: their steps
        // become one phase of unknown settings, and the warm start the caller names (its --init-from) is kept.
        if (state.Phases is null)
        {
            trainer.EarlierPhases = state.Step > 0 ? [new TrainingPhase(0, state.Step, null)] : [];
        }
        else
        {
            trainer.EarlierPhases = state.Phases;
            trainer.InitialisedFrom = state.InitialisedFrom;
        }
    }

    /// <summary>
    /// Refuses to load weights into a model off the CPU through its trainer, before anything is restored: TorchSharp's
    /// <c>Module.load</c> would replace the parameters the trainer's optimizer holds (<see cref="LoadWeights"/>), and on
    /// CUDA the run would fail only at its next step, with a disposed tensor.
    /// </summary>
    private static void RequireModelOnTheCpu(nn.Module model)
    {
        if (model.parameters().FirstOrDefault() is { } parameter && parameter.device_type != DeviceType.CPU)
        {
            throw new InvalidOperationException(
                $"The trainer's model is on {parameter.device}, where loading the checkpoint's weights would replace the parameters its optimizer holds: call TrainingCheckpoint.LoadWeights while the model is on the CPU, then move it, build the trainer and call Load with weightsLoaded: true.");
        }
    }

    private static void RequireCheckpoint(string directory)
    {
        RestoreInterruptedSave(directory);
        if (!Exists(directory))
        {
            throw new FileNotFoundException($"No training checkpoint in the output folder ({StateFile} is missing).");
        }
    }

    private static CheckpointState ReadState(string directory) =>
        JsonSerializer.Deserialize<CheckpointState>(File.ReadAllText(Path.Combine(directory, StateFile)))
            ?? throw new InvalidDataException($"The checkpoint's {StateFile} is empty.");

    private static bool HasState(string directory) => File.Exists(Path.Combine(directory, StateFile));

    private static string PreviousOf(string fullDirectory) => fullDirectory.TrimEnd(Path.DirectorySeparatorChar) + ".previous";

    /// <summary>Puts the set-aside checkpoint back when a save died after moving it and before moving the new one in.</summary>
    private static void RestoreInterruptedSave(string directory)
    {
        string full = Path.GetFullPath(directory);
        string previous = PreviousOf(full);
        if (HasState(full) || !HasState(previous))
        {
            return;
        }

        if (Directory.Exists(full))
        {
            Directory.Delete(full, recursive: true);
        }

        Directory.Move(previous, full);
    }

    private static void WriteTensors(string path, IReadOnlyDictionary<string, Tensor> tensors)
    {
        using var writer = new BinaryWriter(File.Create(path));
        writer.Write(tensors.Count);
        foreach (var (name, tensor) in tensors.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            writer.Write(name);
            tensor.Save(writer);
        }
    }

    private static void ReadTensors(string path, IReadOnlyDictionary<string, Tensor> into)
    {
        using var reader = new BinaryReader(File.OpenRead(path));
        int count = reader.ReadInt32();
        if (count != into.Count)
        {
            throw new InvalidDataException($"'{Path.GetFileName(path)}' holds {count} tensors, the model has {into.Count}.");
        }

        for (int i = 0; i < count; i++)
        {
            string name = reader.ReadString();
            if (!into.TryGetValue(name, out var tensor))
            {
                throw new InvalidDataException($"'{Path.GetFileName(path)}' holds an unexpected tensor '{name}'.");
            }

            using var noGrad = no_grad();
            tensor.Load(reader);
        }
    }

    private sealed record CheckpointState(
        int Step,
        double[] Losses,
        long Seed,
        string? Precision = null,
        double? LossScale = null,
        int? LossScalerCleanSteps = null,
        string? DataPreparation = null,
        string? Noise = null,
        TrainingPhase[]? Phases = null,
        ParentModel? InitialisedFrom = null,
        string? RegionMask = null,
        UNetConfig? Model = null,
        string? Sampling = null,
        long[]? EpochOrder = null,
        int? EpochPosition = null);
}
