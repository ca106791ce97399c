namespace Synomaly.GpuWorker.Options;

/// <summary>Where the model package is read from (<c>Model__Source</c>).</summary>
public enum ModelSource
{
    /// <summary>The <c>models</c> container: models/{name}/{version}/.</summary>
    Blob = 0,

    /// <summary>A local folder (<c>Model__Directory</c>): local runs, tests, a model baked into the image.</summary>
    Directory,
}
