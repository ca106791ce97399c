using Synomaly.Contracts;
using Synomaly.GpuWorker.Scans;

namespace Synomaly.GpuWorker.Results;

/// <summary>
/// Writes one job's result files under the job's results folder (BlobLayout.ResultsPrefix) with conditional creates, report.json last: the
/// report is the completion marker, so its presence means the whole set exists and a redelivered job can skip the model.
/// </summary>
public sealed class ResultWriter(IResultStore store)
{
    public static string MarkerPath(ScanJob job) => BlobLayout.ResultPath(job, BlobLayout.ReportFile);

    public Task<bool> IsCompleteAsync(ScanJob job, CancellationToken cancellationToken = default) =>
        store.ExistsAsync(MarkerPath(job), cancellationToken);

    /// <summary>Writes the files; the callback runs every write (so callers can wrap each one in a retry).</summary>
    public async Task WriteAsync(ScanJob job, IReadOnlyList<ResultFile> files, Func<Func<CancellationToken, Task>, CancellationToken, Task> execute, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(execute);
        var report = files.SingleOrDefault(f => f.RelativePath == BlobLayout.ReportFile)
            ?? throw new InvalidOperationException("The rendered results have no report.json; it is the completion marker.");
        var prefix = BlobLayout.ResultsPrefix(job);
        foreach (var file in files.Where(f => !ReferenceEquals(f, report)).Append(report))
        {
            RequireRelative(file.RelativePath);
            await execute(ct => store.CreateIfAbsentAsync(prefix + file.RelativePath, file.Content, file.ContentType, ct), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Deletes whatever of the job's result set exists: for a run whose upload was replaced or erased while it wrote,
    /// whose results no record will ever point at (derived patient data is not kept for nobody), and before a run that
    /// finds an incomplete set (no marker), so that one set never mixes two runs.
    /// </summary>
    public Task<int> RemoveAsync(ScanJob job, CancellationToken cancellationToken = default) =>
        store.DeleteUnderAsync(BlobLayout.ResultsPrefix(job), cancellationToken);

    private static void RequireRelative(string path)
    {
        if (string.IsNullOrWhiteSpace(path) || path.StartsWith('/') || path.Split('/').Any(s => s is "" or "." or ".."))
        {
            throw new InvalidOperationException($"Result file path '{path}' is not a plain relative path.");
        }
    }
}
