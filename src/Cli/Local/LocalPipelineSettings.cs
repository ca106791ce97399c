namespace Synomaly.Cli.Local;

/// <summary>What a local pipeline runs with: the model, where logs go, the worker's device and any setting overrides.</summary>
public sealed record LocalPipelineSettings
{
    public required string RepositoryRoot { get; init; }

    /// <summary>A model folder (model.safetensors + model-card.json).</summary>
    public required string ModelDirectory { get; init; }

    /// <summary>
    /// The logs folder: logs under the verb's --out (demo, soak), which is how failures name a host's log ("see
    /// logs/worker.log under --out"), never by its path.
    /// </summary>
    public required string LogDirectory { get; init; }

    /// <summary>auto (CUDA when present), cpu, cuda or cuda:N.</summary>
    public string Device { get; init; } = "auto";

    /// <summary>AZURITE_DIR and port variables for scripts/azurite.sh; null for the repository's default instance.</summary>
    public IReadOnlyDictionary<string, string>? AzuriteEnvironment { get; init; }

    /// <summary>App settings that replace the worker's (for example Worker__MaxBatchSize).</summary>
    public IReadOnlyDictionary<string, string> WorkerOverrides { get; init; } = new Dictionary<string, string>();

    /// <summary>App settings that replace the trigger host's (for example Intake__MaxScanBytes).</summary>
    public IReadOnlyDictionary<string, string> TriggerHostOverrides { get; init; } = new Dictionary<string, string>();
}
