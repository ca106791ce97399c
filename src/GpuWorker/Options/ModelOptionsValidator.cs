using Microsoft.Extensions.Options;
using Synomaly.Contracts;

namespace Synomaly.GpuWorker.Options;

/// <summary>Checks the model settings at start: the worker must know exactly which model version it serves.</summary>
public sealed class ModelOptionsValidator : IValidateOptions<ModelOptions>
{
    public ValidateOptionsResult Validate(string? name, ModelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (!Enum.IsDefined(options.Source))
        {
            errors.Add($"Model__Source must be Blob or Directory (got {options.Source}).");
        }

        if (string.IsNullOrWhiteSpace(options.Name) || options.Name.Contains('/', StringComparison.Ordinal))
        {
            errors.Add("Model__Name is required: the model folder name under models/ (no '/').");
        }

        // Intake's rule (BlobLayout.IsValidModelVersion), not a weaker one: a version it refuses would start here and turn
        // ready, then fail every job as ModelVersionMismatch, or ("..") throw inside the model load without naming the setting.
        if (!BlobLayout.IsValidModelVersion(options.Version))
        {
            errors.Add($"Model__Version must be {BlobLayout.ModelVersionRule} (got '{options.Version}'): the version folder under models/{{name}}/, and a segment of the results folder (BlobLayout.ResultsPrefix).");
        }

        if (options.Source == ModelSource.Directory && string.IsNullOrWhiteSpace(options.Directory))
        {
            errors.Add("Model__Directory is required when Model__Source is Directory.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
