using static TorchSharp.torch;

namespace Synomaly.Diffusion.Training;

/// <summary>
/// What one training step draws: the (flipped) images, their timesteps, their Synomaly noise and the region masks that
/// shaped it (flipped with the images; null without a region mask).
/// </summary>
internal sealed record TrainingDraws(Tensor Images, Tensor Timesteps, Tensor Noise, Tensor? RegionMasks);
