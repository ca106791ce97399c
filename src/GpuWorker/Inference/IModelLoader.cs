namespace Synomaly.GpuWorker.Inference;

/// <summary>Loads the configured model package onto the configured device (once per process).</summary>
public interface IModelLoader
{
    Task<ISliceInference> LoadAsync(CancellationToken cancellationToken = default);
}
