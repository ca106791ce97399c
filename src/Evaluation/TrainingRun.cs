using SixLabors.ImageSharp;
using Synomaly.Diffusion.Model;
using Synomaly.Diffusion.Schedules;
using Synomaly.Diffusion.Training;
using Synomaly.Diffusion.Weights;
using Synomaly.Imaging.Plots;
using TorchSharp;
using static TorchSharp.torch;

namespace Synomaly.Evaluation;

/// <summary>
/// One `synomaly train` run: builds the model, restores the last checkpoint in the output folder if there is one
/// (resume), trains to the requested step count with periodic checkpoints, and writes the loss curve. A fresh run's
/// starting weights are drawn from <see cref="TrainingOptions.Seed"/> (<see cref="SeededInitialisation"/>), so the same
/// seed and data give the same run.
/// Layout of the output folder: <c>checkpoint/</c> (exact training state), <c>loss.png</c>, <c>loss.csv</c>. A folder that
/// holds a run's results but no checkpoint is refused (<see cref="RequireResumableOrUnused"/>), never overwritten.
/// </summary>
public sealed class TrainingRun(UNetConfig modelConfig, TrainingOptions options, Device device, string outputDirectory)
{
    /// <summary>The steps T of the cosine schedule every run trains on (the model card's default T); --max-timestep may not exceed it.</summary>
    public const int ScheduleTimesteps = 1000;

    public string CheckpointDirectory => CheckpointDirectoryIn(outputDirectory);

    /// <summary>Where a run writing to <paramref name="output"/> keeps its checkpoint, for checks made before the run is built.</summary>
    public static string CheckpointDirectoryIn(string output) => Path.Combine(output, "checkpoint");

    /// <summary>
    /// Refuses a fresh run into <paramref name="output"/> when it holds a run's results (an exported model's weights or card
    /// in model/, or loss.csv) but no checkpoint: without a checkpoint the run starts from step 0 and would overwrite them
    /// without a word. A folder with a checkpoint resumes; an empty or new one starts a run.
    /// </summary>
    /// <exception cref="TrainingOutputInUseException">The folder holds results and no checkpoint.</exception>
    public static void RequireResumableOrUnused(string output)
    {
        if (TrainingCheckpoint.Exists(CheckpointDirectoryIn(output)))
        {
            return;
        }

        string[] results = [Path.Combine("model", ModelPackage.WeightsFile), Path.Combine("model", ModelPackage.CardFile), "loss.csv"];
        var found = results.Where(r => File.Exists(Path.Combine(output, r))).ToList();
        if (found.Count > 0)
        {
            throw new TrainingOutputInUseException(
                output,
                $"The --out folder holds a trained run's results ({string.Join(", ", found)}) but no checkpoint/ to resume from, so a new run would overwrite them: give another --out, or delete the folder to train afresh.");
        }
    }

    /// <summary>
    /// A saved model (folder) whose weights start a new run (a warm start, for example to fine-tune with other Synomaly
    /// noise). Used only when the output folder holds no checkpoint: a resume restores the checkpoint, which already
    /// carries the run's weights. The optimizer, step count and generator start fresh.
    /// </summary>
    public string? InitialWeights { get; init; }

    /// <summary>
    /// The model the run's weights started from, for the model card; null for a random initialisation. On a resume it is
    /// the one the checkpoint recorded, not <see cref="InitialWeights"/> (which a resume ignores).
    /// </summary>
    public ParentModel? InitialisedFrom { get; private set; }

    /// <summary>Whether the run continued from a checkpoint in the output folder (and so ignored <see cref="InitialWeights"/>).</summary>
    public bool Resumed { get; private set; }

    /// <summary>The phases of settings the finished run trained with, earlier sittings included.</summary>
    public IReadOnlyList<TrainingPhase> Phases { get; private set; } = [];

    /// <summary>Mean loss of the last 50 steps of the finished run.</summary>
    public double LastLoss { get; private set; } = double.NaN;

    /// <summary>
    /// The per-image region masks (<see cref="RegionMaskSource.PerImage"/>), [N,1,H,W] and paired with the images by
    /// index; null otherwise. The caller owns the tensor.
    /// </summary>
    public Tensor? RegionMasks { get; init; }

    /// <summary>
    /// Wall-clock budget of this sitting (null: none). When it runs out the run stops after the step in progress, saves
    /// its checkpoint and returns the model as far as it got, so a lent or pre-emptible GPU can be used to its last
    /// minute; the next sitting (the same command) resumes from the checkpoint.
    /// </summary>
    public TimeSpan? TimeLimit { get; init; }

    /// <summary>The step count the returned model was trained to (earlier sittings included).</summary>
    public int StepsTrained { get; private set; }

    /// <summary>Why the sitting ended: all steps done, the time limit, or cancellation.</summary>
    public TrainingStop StoppedBy { get; private set; }

    /// <summary>Trains and returns the trained model (in eval mode); the caller disposes it.</summary>
    /// <exception cref="TrainingOutputInUseException">The output folder holds a run's results but no checkpoint.</exception>
    public UNet Train(Tensor images, Action<TrainingStep>? onStep = null, CancellationToken cancellationToken = default)
    {
        RequireResumableOrUnused(outputDirectory);
        Directory.CreateDirectory(outputDirectory);
        var model = new UNet(modelConfig);
        try
        {
            TrainInto(model, images, onStep, cancellationToken);
            return model;
        }
        catch
        {
            // A refused warm start or resume, or a failed step: the network (by then on the device) is not the caller's.
            model.Dispose();
            throw;
        }
    }

    /// <summary>Loads or seeds the starting weights into <paramref name="model"/>, moves it to the device and trains it there.</summary>
    private void TrainInto(UNet model, Tensor images, Action<TrainingStep>? onStep, CancellationToken cancellationToken)
    {
        Resumed = TrainingCheckpoint.Exists(CheckpointDirectory);
        if (!Resumed && InitialWeights is null)
        {
            // A fresh run: its starting weights follow the seed, as every later draw does. A resume restores its
            // weights and a warm start loads them, so neither needs a draw.
            SeededInitialisation.Apply(model, options.Seed);
        }

        // Loaded before the trainer exists, so the EMA starts from these weights too.
        var parent = Resumed ? LineageForOldCheckpoint()
            : InitialWeights is null ? null
            : ParentModel.Of(ModelPackage.LoadWeights(InitialWeights, model));

        if (Resumed)
        {
            // On the CPU, before the move and the optimizer: loading onto a CUDA module replaces its parameters.
            TrainingCheckpoint.LoadWeights(model, CheckpointDirectory);
        }

        model.to(device);
        using var diffusion = new GaussianDiffusion(BetaSchedule.Cosine, ScheduleTimesteps);
        using var trainer = new DiffusionTrainer(model, diffusion, images, options, device, RegionMasks) { InitialisedFrom = parent };
        if (Resumed)
        {
            TrainingCheckpoint.Load(trainer, CheckpointDirectory, weightsLoaded: true);
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        StoppedBy = TrainingStop.Completed;
        int sittingSteps = 0;
        while (trainer.Step < options.Steps)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                StoppedBy = TrainingStop.Cancelled;
                break;
            }

            // At least one step per sitting, so a budget that is already spent still moves the run on.
            if (sittingSteps > 0 && TimeLimit is { } limit && clock.Elapsed >= limit)
            {
                StoppedBy = TrainingStop.TimeLimit;
                break;
            }

            var step = trainer.RunStep();
            sittingSteps++;
            onStep?.Invoke(step);
            if (step.Step % options.CheckpointEvery == 0)
            {
                TrainingCheckpoint.Save(trainer, CheckpointDirectory);
                WriteLossCurve(trainer.LossHistory);
            }
        }

        StepsTrained = trainer.Step;
        TrainingCheckpoint.Save(trainer, CheckpointDirectory);
        WriteLossCurve(trainer.LossHistory);
        LastLoss = trainer.LossHistory.TakeLast(50).DefaultIfEmpty(double.NaN).Average();
        InitialisedFrom = trainer.InitialisedFrom;
        Phases = trainer.Phases;
        trainer.UseAveragedWeights();
        model.eval();
    }

    /// <summary>
    /// The starting model of a resumed run whose checkpoint does not record one (written before phases were recorded):
    /// the card in <see cref="InitialWeights"/>, the --init-from given again. Null for every other checkpoint, which
    /// restores its own lineage, so the folder is not read (a resume ignores --init-from, which may be gone by then), and
    /// null when the folder is gone: no lineage is known rather than a resume refused.
    /// </summary>
    private ParentModel? LineageForOldCheckpoint() =>
        InitialWeights is not null && Directory.Exists(InitialWeights) && !TrainingCheckpoint.RecordsLineage(CheckpointDirectory)
            ? ParentModel.Of(ModelPackage.LoadCard(InitialWeights))
            : null;

    private void WriteLossCurve(IReadOnlyList<double> losses)
    {
        File.WriteAllLines(Path.Combine(outputDirectory, "loss.csv"), ["step,loss", .. losses.Select((l, i) => FormattableString.Invariant($"{i + 1},{l}"))]);
        int window = Math.Max(1, losses.Count / 50);
        var smoothed = new List<(double, double)>();
        for (int i = window - 1; i < losses.Count; i += Math.Max(1, window / 2))
        {
            double mean = 0;
            for (int j = i - window + 1; j <= i; j++)
            {
                mean += losses[j];
            }

            smoothed.Add((i + 1, mean / window));
        }

        // Steps count from 0; the plot's default range pads below it.
        var plot = new LinePlot
        {
            Title = "TRAINING LOSS", XLabel = "step", YLabel = $"loss ({options.Loss}, mean of {window})", XRange = (0, Math.Max(1, losses.Count)),
        };
        using var image = plot.Render([new PlotSeries("train", smoothed, LinePlot.Palette[0])]);
        image.SaveAsPng(Path.Combine(outputDirectory, "loss.png"));
    }
}
