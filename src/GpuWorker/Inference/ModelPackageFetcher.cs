using Azure.Storage.Blobs;
using Microsoft.Extensions.Options;
using Synomaly.Contracts;
using Synomaly.GpuWorker.Options;

namespace Synomaly.GpuWorker.Inference;

/// <summary>
/// Finds the configured model package on local disk: the configured folder (Model__Source=Directory), or a copy of
/// models/{name}/{version}/ downloaded once from Blob Storage into a local cache (Model__Source=Blob).
/// </summary>
public sealed class ModelPackageFetcher(IOptions<ModelOptions> options, BlobServiceClient blobs)
{
    public async Task<string> FetchAsync(CancellationToken cancellationToken = default)
    {
        var model = options.Value;
        if (model.Source == ModelSource.Directory)
        {
            return Directory.Exists(model.Directory)
                ? model.Directory!
                : throw new DirectoryNotFoundException($"Model__Directory '{model.Directory}' does not exist.");
        }

        var prefix = BlobLayout.ModelPrefix(model.Name, model.Version);
        var target = Path.Combine(Path.GetTempPath(), "synomaly-models", model.Name, model.Version);
        Directory.CreateDirectory(target);
        var container = blobs.GetBlobContainerClient(BlobLayout.ModelsContainer);
        var found = 0;
        await foreach (var item in container.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, prefix, cancellationToken).ConfigureAwait(false))
        {
            var relative = item.Name[prefix.Length..];
            if (relative.Length == 0 || relative.Contains('/', StringComparison.Ordinal))
            {
                continue;
            }

            // Download to a temporary name and rename, so a crash never leaves a half-written file that looks complete.
            var path = Path.Combine(target, relative);
            var partial = path + ".partial";
            await container.GetBlobClient(item.Name).DownloadToAsync(partial, cancellationToken).ConfigureAwait(false);
            File.Move(partial, path, overwrite: true);
            found++;
        }

        return found > 0
            ? target
            : throw new FileNotFoundException($"No model files under {BlobLayout.ModelsContainer}/{prefix} (Model__Name, Model__Version).");
    }
}
