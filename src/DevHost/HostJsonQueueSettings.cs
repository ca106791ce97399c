using System.Globalization;
using System.Text.Json;
using Microsoft.Azure.WebJobs.Host;

namespace Synomaly.DevHost;

/// <summary>
/// The queue trigger's retry settings from host.json's <c>extensions.queues</c>, the one place that sets them for the
/// Functions app in Azure; the local host applies them to its WebJobs <see cref="QueuesOptions"/> so that a failing
/// message (an archive deletion, a bulk step) is retried as often, and as far apart, here as there.
/// </summary>
public sealed record HostJsonQueueSettings(TimeSpan VisibilityTimeout, int MaxDequeueCount)
{
    /// <exception cref="FileNotFoundException">host.json is not there.</exception>
    /// <exception cref="InvalidDataException">host.json lacks one of the settings or holds a value of the wrong kind.</exception>
    public static HostJsonQueueSettings Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"host.json not found at {path}; the Functions project copies it into the build output.", path);
        }

        using var json = JsonDocument.Parse(File.ReadAllText(path));
        var visibilityTimeout = Setting(json, path, "visibilityTimeout") is { ValueKind: JsonValueKind.String } text
            && TimeSpan.TryParse(text.GetString(), CultureInfo.InvariantCulture, out var timeout)
                ? timeout
                : throw new InvalidDataException($"{path} has no time span (hh:mm:ss) extensions.queues.visibilityTimeout.");
        var maxDequeueCount = Setting(json, path, "maxDequeueCount") is { ValueKind: JsonValueKind.Number } number && number.TryGetInt32(out int count)
            ? count
            : throw new InvalidDataException($"{path} has no integer extensions.queues.maxDequeueCount.");
        return new HostJsonQueueSettings(visibilityTimeout, maxDequeueCount);
    }

    public void ApplyTo(QueuesOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.VisibilityTimeout = VisibilityTimeout;
        options.MaxDequeueCount = MaxDequeueCount;
    }

    private static JsonElement? Setting(JsonDocument json, string path, string name) =>
        json.RootElement.TryGetProperty("extensions", out var extensions)
        && extensions.TryGetProperty("queues", out var queues)
        && queues.TryGetProperty(name, out var value)
            ? value
            : throw new InvalidDataException($"{path} has no extensions.queues.{name}.");
}
