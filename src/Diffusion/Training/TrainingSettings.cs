namespace Synomaly.Diffusion.Training;

/// <summary>
/// The settings a resumed run may change from one sitting to the next (a checkpoint refuses another seed, precision, data
/// preparation or Synomaly noise). Recorded per phase, so that a model card tells how its weights were really trained and
/// not only how the last sitting ran.
/// </summary>
public sealed record TrainingSettings(
    double LearningRate, double WeightDecay, int BatchSize, double GradientClipNorm, double EmaDecay, string Loss, int MaxTimestep, bool RandomFlips)
{
    /// <summary>The options with these settings (a resume going on as its last phase trained); the rest of the options unchanged.</summary>
    public TrainingOptions ApplyTo(TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options with
        {
            LearningRate = LearningRate,
            WeightDecay = WeightDecay,
            BatchSize = BatchSize,
            GradientClipNorm = GradientClipNorm,
            EmaDecay = EmaDecay,
            Loss = Enum.Parse<Schedules.LossType>(Loss, ignoreCase: true),
            MaxTimestep = MaxTimestep,
            RandomFlips = RandomFlips,
        };
    }

    public static TrainingSettings Of(TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new TrainingSettings(
            options.LearningRate, options.WeightDecay, options.BatchSize, options.GradientClipNorm, options.EmaDecay, options.Loss.ToString(), options.MaxTimestep, options.RandomFlips);
    }
}
