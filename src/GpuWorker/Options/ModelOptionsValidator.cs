using Microsoft.Extensions.Options;

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

        if (string.IsNullOrWhiteSpace(options.Version) || options.Version.Contains('/', StringComparison.Ordinal))
        {
            errors.Add("Model__Version is required: the version folder under models/{name}/ and in results/{scanId}/ (no '/').");
        }

        if (options.Source == ModelSource.Directory && string.IsNullOrWhiteSpace(options.Directory))
        {
            errors.Add("Model__Directory is required when Model__Source is Directory.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
