using Synomaly.GpuWorker.Scans;

namespace Synomaly.GpuWorker.Processing;

/// <summary>What <see cref="ScanJobPipeline"/> made of one job: the files to write and how many slices the model answered.</summary>
public sealed record ScanJobResults(IReadOnlyList<ResultFile> Files, int Slices);
