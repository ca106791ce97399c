using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Synomaly.Functions.Triggers;

namespace Synomaly.Functions.Options;

/// <summary>
/// Checks at start that exactly the blob-trigger function matching <c>Intake__BlobTriggerSource</c> is enabled, so a
/// misconfigured app fails fast instead of processing every upload twice (both enabled) or never (both disabled).
/// </summary>
public sealed class BlobTriggerSourceValidation(IConfiguration configuration) : IValidateOptions<IntakeOptions>
{
    public static string DisabledSetting(string functionName) => $"AzureWebJobs.{functionName}.Disabled";

    public ValidateOptionsResult Validate(string? name, IntakeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var (enabled, disabled) = options.BlobTriggerSource == BlobTriggerSourceSetting.EventGrid
            ? (nameof(ScanUploaded), nameof(ScanUploadedPolling))
            : (nameof(ScanUploadedPolling), nameof(ScanUploaded));
        var failures = new List<string>();
        if (IsDisabled(enabled))
        {
            failures.Add($"Intake__BlobTriggerSource is {options.BlobTriggerSource} but {DisabledSetting(enabled)} is true.");
        }

        if (!IsDisabled(disabled))
        {
            failures.Add($"Intake__BlobTriggerSource is {options.BlobTriggerSource}: set {DisabledSetting(disabled)}=true so each upload is handled once.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private bool IsDisabled(string functionName) =>
        bool.TryParse(configuration[DisabledSetting(functionName)], out var disabled) && disabled;
}
