using Microsoft.Extensions.Options;
using Synomaly.Diffusion;
using Synomaly.Diffusion.Schedules;
using Synomaly.Diffusion.Weights;
using Synomaly.GpuWorker.Options;

namespace Synomaly.GpuWorker.Inference;

/// <summary>
/// Loads the model package once: weights strictly onto the device named by Worker__Device, the diffusion schedule from
/// the model card, and checks that the card is the model the settings name.
/// </summary>
public sealed class TorchModelLoader(ModelPackageFetcher fetcher, IOptions<ModelOptions> model, IOptions<WorkerOptions> worker) : IModelLoader
{
    public async Task<ISliceInference> LoadAsync(CancellationToken cancellationToken = default)
    {
        var directory = await fetcher.FetchAsync(cancellationToken).ConfigureAwait(false);
        var device = TorchDevice.Resolve(worker.Value.Device);
        var (unet, card) = ModelPackage.Load(directory, device);
        try
        {
            if (!string.Equals(card.Name, model.Value.Name, StringComparison.Ordinal) || !string.Equals(card.Version, model.Value.Version, StringComparison.Ordinal))
            {
                throw new ModelSettingsMismatchException(card.Name, card.Version, model.Value.Name, model.Value.Version);
            }

            var diffusion = new GaussianDiffusion(card.Schedule, card.Timesteps);
            try
            {
                return new DiffusionSliceInference(unet, diffusion, card);
            }
            catch
            {
                diffusion.Dispose();
                throw;
            }
        }
        catch
        {
            unet.Dispose();
            throw;
        }
    }
}
