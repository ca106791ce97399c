using System.Text.Json;

namespace Synomaly.Infra.Tests;

/// <summary>
/// The deployment that `bicep snapshot` predicts for one parameter file: every resource, nested modules expanded, with
/// parameters, names and ids resolved (values known only at deployment time stay ARM expressions). The build verifies
/// that the golden file in infra/snapshots/ equals the prediction for the current templates, so tests read the golden file.
/// </summary>
internal sealed class PredictedDeployment
{
    private static readonly Dictionary<string, PredictedDeployment> Cache = [];

    private PredictedDeployment(string parameterFile, JsonElement root)
    {
        ParameterFile = parameterFile;
        Resources = [.. root.GetProperty("predictedResources").EnumerateArray().Select(r => new PredictedResource(r))];
        Outputs = root.GetProperty("outputs").EnumerateObject().ToDictionary(p => p.Name, p => p.Value);
    }

    public string ParameterFile { get; }

    public IReadOnlyList<PredictedResource> Resources { get; }

    public IReadOnlyDictionary<string, JsonElement> Outputs { get; }

    public static PredictedDeployment Load(string parameterFile)
    {
        lock (Cache)
        {
            if (!Cache.TryGetValue(parameterFile, out var deployment))
            {
                var path = Path.Combine(InfraFiles.SnapshotDirectory, parameterFile + ".snapshot.json");
                using var document = JsonDocument.Parse(File.ReadAllText(path));
                deployment = new PredictedDeployment(parameterFile, document.RootElement.Clone());
                Cache[parameterFile] = deployment;
            }

            return deployment;
        }
    }

    /// <summary>A prediction made by a test (<see cref="TemplatePrediction"/>) rather than a golden file.</summary>
    public static PredictedDeployment Parse(string parameterFile, string snapshotJson)
    {
        using var document = JsonDocument.Parse(snapshotJson);
        return new PredictedDeployment(parameterFile, document.RootElement.Clone());
    }

    public IReadOnlyList<PredictedResource> OfType(string type) =>
        [.. Resources.Where(r => string.Equals(r.Type, type, StringComparison.OrdinalIgnoreCase))];

    public PredictedResource Single(string type) => Assert.Single(OfType(type));

    /// <summary>The one resource of a type whose name contains a fragment (for example the scan-data account "stscan").</summary>
    public PredictedResource Single(string type, string nameFragment) =>
        Assert.Single(OfType(type), r => r.Name.Contains(nameFragment, StringComparison.Ordinal));
}

/// <summary>One predicted resource.</summary>
internal sealed class PredictedResource(JsonElement element)
{
    public JsonElement Element { get; } = element;

    public string Id => Element.GetProperty("id").GetString()!;

    public string Type => Element.GetProperty("type").GetString()!;

    public string Name => Element.GetProperty("name").GetString()!;

    public JsonElement Properties => Element.GetProperty("properties");

    /// <summary>The value at a dotted path below the resource (for example "properties.template.scale").</summary>
    public JsonElement At(string path)
    {
        var current = Element;
        foreach (var segment in path.Split('.'))
        {
            Assert.True(current.ValueKind == JsonValueKind.Object && current.TryGetProperty(segment, out current),
                $"{Type} '{Name}' has no '{path}'.");
        }

        return current;
    }

    public string String(string path) => At(path).GetString()!;

    public bool Bool(string path) => At(path).GetBoolean();

    public bool Has(string path)
    {
        var current = Element;
        foreach (var segment in path.Split('.'))
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(segment, out current))
            {
                return false;
            }
        }

        return current.ValueKind is not JsonValueKind.Null;
    }

    public override string ToString() => $"{Type} {Name}";
}
