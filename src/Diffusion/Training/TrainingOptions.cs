using Synomaly.Diffusion.Noise;
using Synomaly.Diffusion.Schedules;

namespace Synomaly.Diffusion.Training;

/// <summary>
/// Training hyper-parameters. Defaults follow the authors' BraTS setup (ALGORITHM.md section 4.5): AdamW with weight decay
/// 0, constant learning rate, gradient clipping at global norm 1, random horizontal and vertical flips, t uniform over the
/// schedule, the hybrid "vlb" loss, no EMA; EMA and a larger learning rate are options for compact models trained briefly.
/// </summary>
public sealed record TrainingOptions
{
    public int BatchSize { get; init; } = 8;

    public int Steps { get; init; } = 1000;

    public double LearningRate { get; init; } = 1e-5;

    public double WeightDecay { get; init; }

    public double GradientClipNorm { get; init; } = 1.0;

    /// <summary>EMA decay of the weights (0 disables EMA, as the authors).</summary>
    public double EmaDecay { get; init; }

    public LossType Loss { get; init; } = LossType.Vlb;

    public SynomalyNoiseOptions Noise { get; init; } = SynomalyNoiseOptions.Brats;

    public bool RandomFlips { get; init; } = true;

    /// <summary>
    /// How batches are taken: a seeded permutation per epoch, as the reference's shuffled DataLoader (the default), or with
    /// replacement (every run before the option). A checkpoint records it, and resuming with another is refused; a
    /// checkpoint from before the option resumes with replacement, as it trained.
    /// </summary>
    public BatchSampling Sampling { get; init; } = BatchSampling.Epoch;

    /// <summary>
    /// Where blobs of the Synomaly noise are forbidden (ALGORITHM.md 2.5): nowhere (the released configs), outside the
    /// centred disk (the reference's ultrasound mask), or where each image's own mask is −1 (the trainer is then given the
    /// masks). A checkpoint records it, and resuming with another is refused: the noise, and so the task, would differ.
    /// </summary>
    public RegionMaskSource RegionMask { get; init; } = RegionMaskSource.None;

    public long Seed { get; init; } = 1234;

    /// <summary>
    /// t is drawn uniformly from [0, MaxTimestep); 0 means the whole schedule, as the authors, and a bound beyond the
    /// schedule is refused (<see cref="Validate(int)"/>). A smaller bound concentrates
    /// a compact model's capacity on the noise levels that inference uses (t &lt;= 300 in the reference grid): an option
    /// for models trained briefly on a CPU, documented wherever it is used.
    /// </summary>
    public int MaxTimestep { get; init; }

    /// <summary>
    /// Arithmetic of the forward and backward passes; the master weights stay float32 in every mode. A checkpoint records it,
    /// and resuming with another precision is refused (<see cref="TrainingCheckpointMismatchException"/>).
    /// </summary>
    public TrainingPrecision Precision { get; init; } = TrainingPrecision.Fp32;

    /// <summary>
    /// The name of what prepared the training images (the modality preset, e.g. brain-mri), or null where the caller does
    /// not say. A checkpoint records it, and resuming with another is refused: the images, and so the run, would differ.
    /// </summary>
    public string? DataPreparation { get; init; }

    /// <summary>Save a checkpoint every this many steps (and at the end).</summary>
    public int CheckpointEvery { get; init; } = 200;

    /// <summary>
    /// <see cref="Validate()"/>, and <see cref="MaxTimestep"/> within a schedule of <paramref name="scheduleTimesteps"/>
    /// steps: a larger bound draws from the whole schedule, as 0 does, while the card would record the number given.
    /// </summary>
    public void Validate(int scheduleTimesteps)
    {
        Validate();
        if (MaxTimestep > scheduleTimesteps)
        {
            throw new InvalidOptionException(
                nameof(MaxTimestep), MaxTimestep, $"The largest training timestep (--max-timestep) must be at most the schedule's {scheduleTimesteps} steps (0: the whole schedule).");
        }
    }

    public void Validate()
    {
        // Each by name, as the real-valued ones below: one line listing all four values left the user to guess which was wrong.
        if (Steps < 1)
        {
            throw new InvalidOptionException(nameof(Steps), Steps, "The number of training steps (--steps) must be at least 1.");
        }

        if (BatchSize < 1)
        {
            throw new InvalidOptionException(nameof(BatchSize), BatchSize, "The batch size (--batch) must be at least 1.");
        }

        if (CheckpointEvery < 1)
        {
            throw new InvalidOptionException(nameof(CheckpointEvery), CheckpointEvery, "The checkpoint interval (--checkpoint-every) must be at least 1 step.");
        }

        if (MaxTimestep < 0)
        {
            throw new InvalidOptionException(nameof(MaxTimestep), MaxTimestep, "The largest training timestep (--max-timestep) must be at least 0 (0: the whole schedule).");
        }

        // Every real-valued option is checked for NaN and infinity by name: a comparison such as "<= 0" lets NaN through,
        // and a NaN learning rate trains NaN weights that fail only when the checkpoint is written (JSON has no NaN).
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate))
        {
            throw new InvalidOptionException(nameof(LearningRate), LearningRate, "The learning rate (--lr) must be a positive finite number.");
        }

        if (!(WeightDecay >= 0) || !double.IsFinite(WeightDecay))
        {
            throw new InvalidOptionException(nameof(WeightDecay), WeightDecay, "The weight decay (--weight-decay) must be a finite number >= 0.");
        }

        if (!(GradientClipNorm > 0) || !double.IsFinite(GradientClipNorm))
        {
            throw new InvalidOptionException(nameof(GradientClipNorm), GradientClipNorm, "The gradient clipping norm (--clip-norm) must be a positive finite number.");
        }

        if (!(EmaDecay is >= 0 and < 1))
        {
            throw new InvalidOptionException(nameof(EmaDecay), EmaDecay, "The EMA decay (--ema) must be in [0, 1): 0 is off.");
        }

        if (!Enum.IsDefined(RegionMask))
        {
            throw new InvalidOptionException(nameof(RegionMask), RegionMask, "The region mask must be none, centred-disk or per-image.");
        }

        if (!Enum.IsDefined(Sampling))
        {
            throw new InvalidOptionException(nameof(Sampling), Sampling, "The batch sampling (--sampling) must be epoch or replacement.");
        }

        if (!Enum.IsDefined(Precision))
        {
            throw new InvalidOptionException(nameof(Precision), Precision, "The training precision must be fp32, bf16 or fp16.");
        }

        Noise.Validate();
    }
}
