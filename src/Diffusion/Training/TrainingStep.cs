namespace Synomaly.Diffusion.Training;

/// <summary>What one optimisation step reports to progress displays and the loss history.</summary>
public readonly record struct TrainingStep(int Step, double Loss, double GradientNorm, double ImagesPerSecond);
