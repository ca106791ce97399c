using System.Text.Json;
using Microsoft.Azure.WebJobs.Host;

namespace Synomaly.DevHost;

/// <summary>
/// The blob trigger's settings from host.json's <c>extensions.blobs</c>, the one place that sets them for the Functions
/// app in Azure; the local host applies them to its WebJobs <see cref="BlobsOptions"/> so that both behave the same.
/// </summary>
public sealed record HostJsonBlobSettings(int MaxDegreeOfParallelism, int PoisonBlobThreshold)
{
    /// <summary>host.json as the Functions project copies it beside the built assemblies (this host's among them).</summary>
    public static string DefaultPath => Path.Combine(AppContext.BaseDirectory, "host.json");

    /// <exception cref="FileNotFoundException">host.json is not there.</exception>
    /// <exception cref="InvalidDataException">host.json lacks one of the settings or holds a non-integer.</exception>
    public static HostJsonBlobSettings Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"host.json not found at {path}; the Functions project copies it into the build output.", path);
        }

        using var json = JsonDocument.Parse(File.ReadAllText(path));
        return new HostJsonBlobSettings(Setting(json, path, "maxDegreeOfParallelism"), Setting(json, path, "poisonBlobThreshold"));
    }

    public void ApplyTo(BlobsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.MaxDegreeOfParallelism = MaxDegreeOfParallelism;
        options.PoisonBlobThreshold = PoisonBlobThreshold;
    }

    private static int Setting(JsonDocument json, string path, string name) =>
        json.RootElement.TryGetProperty("extensions", out var extensions)
        && extensions.TryGetProperty("blobs", out var blobs)
        && blobs.TryGetProperty(name, out var value)
        && value.TryGetInt32(out int number)
            ? number
            : throw new InvalidDataException($"{path} has no integer extensions.blobs.{name}.");
}
