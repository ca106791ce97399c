namespace Synomaly.GpuWorker.Options;

/// <summary>The one model this process loads, bound from the <c>Model</c> section.</summary>
public sealed class ModelOptions
{
    public const string SectionName = "Model";

    public ModelSource Source { get; set; } = ModelSource.Blob;

    public string Name { get; set; } = "";

    public string Version { get; set; } = "";

    public string? Directory { get; set; }
}
