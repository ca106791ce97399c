namespace Synomaly.Diffusion.Training;

/// <summary>
/// Steps (<see cref="FromStep"/>, <see cref="ToStep"/>] of a run, all trained with the same <see cref="Settings"/>.
/// Settings is null for steps trained before checkpoints recorded phases: what they were is not known.
/// </summary>
public sealed record TrainingPhase(int FromStep, int ToStep, TrainingSettings? Settings)
{
    /// <summary>
    /// The history with the steps up to <paramref name="step"/> credited to <paramref name="settings"/>: the last phase
    /// grows when it has the same settings (a plain resume), otherwise a new phase starts where it ended. A sitting that
    /// trains no step (an export) adds nothing.
    /// </summary>
    public static IReadOnlyList<TrainingPhase> Extend(IReadOnlyList<TrainingPhase> history, TrainingSettings settings, int step)
    {
        ArgumentNullException.ThrowIfNull(history);
        int recordedTo = history.Count == 0 ? 0 : history[^1].ToStep;
        if (step <= recordedTo)
        {
            return history;
        }

        if (history.Count > 0 && history[^1].Settings == settings)
        {
            return [.. history.SkipLast(1), history[^1] with { ToStep = step }];
        }

        return [.. history, new TrainingPhase(recordedTo, step, settings)];
    }
}
