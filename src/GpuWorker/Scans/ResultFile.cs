namespace Synomaly.GpuWorker.Scans;

/// <summary>One result file, named relative to the job's results folder, BlobLayout.ResultsPrefix (for example "overlays/0003.png").</summary>
public sealed record ResultFile(string RelativePath, BinaryData Content, string ContentType);
