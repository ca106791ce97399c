using Synomaly.Diffusion.Training;

namespace Synomaly.Diffusion.Tests.Training;

public sealed class TrainingPhaseTests
{
    private static readonly TrainingSettings Fast = TrainingSettings.Of(new TrainingOptions { LearningRate = 5e-4 });
    private static readonly TrainingSettings Slow = TrainingSettings.Of(new TrainingOptions { LearningRate = 1.5e-4 });

    [Fact]
    public void A_plain_resume_grows_the_last_phase()
    {
        IReadOnlyList<TrainingPhase> history = [new(0, 100, Fast)];

        Assert.Equal([new TrainingPhase(0, 250, Fast)], TrainingPhase.Extend(history, Fast, 250));
    }

    [Fact]
    public void A_resume_with_other_settings_starts_a_phase_where_the_last_ended()
    {
        IReadOnlyList<TrainingPhase> history = [new(0, 100, Fast)];

        Assert.Equal([new TrainingPhase(0, 100, Fast), new TrainingPhase(100, 130, Slow)], TrainingPhase.Extend(history, Slow, 130));
    }

    [Fact]
    public void A_sitting_that_trains_no_step_adds_nothing()
    {
        IReadOnlyList<TrainingPhase> history = [new(0, 100, Fast)];

        Assert.Same(history, TrainingPhase.Extend(history, Slow, 100));
        Assert.Empty(TrainingPhase.Extend([], Fast, 0));
    }

    [Fact]
    public void Steps_of_unknown_settings_stay_a_phase_of_their_own()
    {
        IReadOnlyList<TrainingPhase> history = [new(0, 100, null)];

        Assert.Equal([new TrainingPhase(0, 100, null), new TrainingPhase(100, 120, Fast)], TrainingPhase.Extend(history, Fast, 120));
    }
}
