using System.Text.Json;
using System.Text.RegularExpressions;
using Synomaly.Contracts;

namespace Synomaly.Infra.Tests;

/// <summary>
/// A template parameter accepts no value the app it feeds refuses at start-up (ValidateOnStart stops the app, so a value
/// the deployment accepted would take the system down). The apps' limits are read from their built assemblies and
/// Synomaly.Contracts, so the two cannot drift apart silently.
/// </summary>
public sealed partial class TemplateParameterLimitsTests
{
    /// <summary>Service Bus refuses a message id longer than this.</summary>
    private const int ServiceBusMaxMessageIdLength = 128;

    [Fact]
    public void Every_numeric_setting_the_template_passes_to_an_app_is_bounded_as_the_app_validates_it()
    {
        var limits = ValidatedRanges.Read(InfraFiles.FunctionsAssembly).Concat(ValidatedRanges.Read(InfraFiles.GpuWorkerAssembly))
            .ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        using var template = InfraFiles.CompiledTemplate();
        var parameters = template.RootElement.GetProperty("parameters");
        var checkedSettings = new List<string>();

        foreach (var (setting, parameterName) in SettingsFromParameters(template.RootElement))
        {
            if (!limits.TryGetValue(setting, out var limit))
            {
                continue;
            }

            var parameter = parameters.GetProperty(parameterName);
            var min = parameter.TryGetProperty("minValue", out var minValue) ? minValue.GetDouble() : long.MinValue;
            var max = parameter.TryGetProperty("maxValue", out var maxValue) ? maxValue.GetDouble() : long.MaxValue;
            Assert.True(min >= limit.Min && max <= limit.Max,
                $"Parameter {parameterName} ({setting}) accepts {min}..{max}, but the app accepts only {limit.Min}..{limit.Max}.");
            checkedSettings.Add(setting);
        }

        // The ranges are found in both apps, both as [Range] attributes and as validator messages.
        Assert.Contains("Bulk__BatchSize", checkedSettings);
        Assert.Contains("Bulk__MessagesPerMinute", checkedSettings);
        Assert.Contains("Expiry__MessageTimeToLiveHours", checkedSettings);
        Assert.Contains("Intake__MaxScanBytes", checkedSettings);
        Assert.Contains("Worker__MaxBatchSize", checkedSettings);
        Assert.Contains("Worker__ShutdownDeadlineSeconds", checkedSettings);
    }

    [Theory]
    [InlineData("modelVersion")]
    [InlineData("workerModelVersion")]
    public void Model_version_parameters_accept_no_version_the_apps_or_service_bus_refuse(string parameterName)
    {
        using var template = InfraFiles.CompiledTemplate();
        var parameter = template.RootElement.GetProperty("parameters").GetProperty(parameterName);
        Assert.True(parameter.TryGetProperty("maxLength", out var maxLength), $"Parameter {parameterName} needs a maxLength.");
        var longest = new string('v', maxLength.GetInt32());

        // The apps' rule (Intake__ModelVersion, Model__Version): a version as long as the template allows still matches it.
        Assert.Matches(BlobLayout.ModelVersionPattern, longest);

        // The longest message id the system makes: a GUID scan id (as POST /api/scans issues), the longest blob ETag
        // ("0x" and 16 hex digits), and a retry stamped with Unix milliseconds.
        var retry = new ScanJob
        {
            ScanId = Guid.NewGuid().ToString("D"),
            SourceBlobUri = new Uri("https://example.invalid/scans/x/scan.nii.gz"),
            SourceETag = "\"0x8DCFFFFFFFFFFFFF\"",
            ModelName = "brain-mri-demo",
            ModelVersion = longest,
            CorrelationId = "c",
            SubmittedAt = DateTimeOffset.UnixEpoch,
            Retry = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds(),
        };
        Assert.True(retry.MessageId.Length <= ServiceBusMaxMessageIdLength,
            $"With a {longest.Length}-character {parameterName} a retried job's message id has {retry.MessageId.Length} characters; Service Bus accepts {ServiceBusMaxMessageIdLength}.");
    }

    /// <summary>Every app setting in the compiled template whose value is a number parameter: (setting, parameter).</summary>
    private static IEnumerable<(string Setting, string Parameter)> SettingsFromParameters(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            // A module's own template refers to its own parameters: only the values passed to it are followed.
            foreach (var property in element.EnumerateObject().Where(p => !(p.Name == "template" && p.Value.ValueKind == JsonValueKind.Object)))
            {
                if (property.Value.ValueKind == JsonValueKind.String && NumberParameter().Match(property.Value.GetString()!) is { Success: true } match)
                {
                    yield return (property.Name, match.Groups["name"].Value);
                }

                foreach (var nested in SettingsFromParameters(property.Value))
                {
                    yield return nested;
                }
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var nested in element.EnumerateArray().SelectMany(SettingsFromParameters))
            {
                yield return nested;
            }
        }
    }

    [GeneratedRegex(@"^\[string\(parameters\('(?<name>\w+)'\)\)\]$")]
    private static partial Regex NumberParameter();
}
