using System.Security.Cryptography;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Synomaly.Contracts;
using Synomaly.Storage.Jobs;

namespace Synomaly.Cli.Local;

/// <summary>Uploads scans into a running local pipeline, follows their jobs and fetches the results.</summary>
/// <param name="connectionString">The pipeline's storage account.</param>
/// <param name="modelVersion">The model version the pipeline's jobs run for (the job records' row key).</param>
/// <param name="throwIfAHostExited">Throws when a process of the pipeline has exited (<see cref="DemoJobWatch"/>).</param>
/// <param name="explainFailure">
/// Hears every failure of an upload, the wait or a download, and may throw a clearer one in its place (the pipeline's:
/// <see cref="LocalStorageStoppedException"/> when Azurite has stopped); the failure goes on as it is when it returns.
/// </param>
public sealed class DemoRun(string connectionString, string modelVersion, Action throwIfAHostExited, Func<Exception, Task>? explainFailure = null)
{
    private readonly BlobServiceClient blobs = new(connectionString);
    private readonly JobStore jobs = new(new TableServiceClient(connectionString));

    /// <summary>Random per run: the scan ids of two runs differ even for the same bytes (inference noise is seeded from pixels, not ids).</summary>
    private readonly string runTag = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));

    /// <param name="when">Where a stopped Azurite is said to have stopped ("while the demo ran").</param>
    public DemoRun(LocalPipeline pipeline, string when = "while the demo ran")
        : this(pipeline.ConnectionString, pipeline.Card.Version, () => pipeline.ThrowIfAHostExited("while the jobs ran"), e => pipeline.ThrowIfStorageStoppedAsync(when, e))
    {
    }

    public static bool IsScan(string path)
    {
        string name = Path.GetFileName(path).ToLowerInvariant();
        return !name.StartsWith('.') && !name.EndsWith(".md", StringComparison.Ordinal) && !name.EndsWith(".json", StringComparison.Ordinal)
            && !name.Contains("-mask", StringComparison.Ordinal) && !name.EndsWith(".txt", StringComparison.Ordinal);
    }

    /// <summary>
    /// Uploads every file to scans/{scanId}/scan{ext}, as the upload API's SAS URL would: the scan id is derived from the
    /// content and this run (no file names travel) and only the extension is kept.
    /// </summary>
    public async Task<List<DemoJob>> UploadAsync(IReadOnlyList<string> files, CancellationToken cancellationToken)
    {
        var result = new List<DemoJob>();
        foreach (var file in files)
        {
            var bytes = await File.ReadAllBytesAsync(file, cancellationToken);
            string name = Path.GetFileName(file).ToLowerInvariant();
            string extension = name.EndsWith(".nii.gz", StringComparison.Ordinal) ? ".nii.gz" : Path.GetExtension(name);
            string scanId = await UploadAsync(bytes, extension, cancellationToken);
            result.Add(new DemoJob(scanId, file) { ExpectedFailure = name.Contains("bad", StringComparison.Ordinal) });
        }

        return result;
    }

    /// <summary>
    /// Uploads one scan's bytes to scans/{scanId}/scan{extension}. Within this run the same bytes get the same scan id (the
    /// reliability suite's duplicate upload); another run gets other ids, so that a record an earlier run left in an Azurite
    /// found running (which intake keeps as it is for unchanged bytes that succeeded) is never taken for this run's job.
    /// </summary>
    public Task<string> UploadAsync(byte[] content, string extension, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        string scanId = $"demo-{runTag}-{Convert.ToHexStringLower(SHA256.HashData(content))[..16]}";
        var container = blobs.GetBlobContainerClient(BlobLayout.ScansContainer);
        return ExplainedAsync(
            async () =>
            {
                await container.GetBlobClient(BlobLayout.UploadPath(scanId, "scan" + extension)).UploadAsync(BinaryData.FromBytes(content), overwrite: true, cancellationToken);
                return scanId;
            },
            cancellationToken);
    }

    /// <summary>Waits until every job has ended (<see cref="DemoJobWatch"/>), looking each up for the pipeline's model version.</summary>
    public Task WaitAsync(IReadOnlyList<DemoJob> demoJobs, TimeSpan timeout, Action<int> onProgress, CancellationToken cancellationToken) =>
        ExplainedAsync(
            async () =>
            {
                await new DemoJobWatch((scanId, token) => jobs.GetAsync(scanId, modelVersion, token), throwIfAHostExited, TimeProvider.System)
                    .WaitAsync(demoJobs, timeout, onProgress, cancellationToken);
                return true;
            },
            cancellationToken);

    /// <summary>
    /// Runs one step of the run; a failure (other than the caller's own cancellation) is first handed to explainFailure,
    /// which may throw a clearer one: a dead Azurite fails every call with the SDK's "Connection refused", or a host that
    /// lost its storage exits, and either named the symptom, not the emulator that stopped.
    /// </summary>
    private async Task<T> ExplainedAsync<T>(Func<Task<T>> step, CancellationToken cancellationToken)
    {
        try
        {
            return await step();
        }
        catch (Exception e) when (explainFailure is not null && !cancellationToken.IsCancellationRequested && e is not LocalStorageStoppedException)
        {
            await explainFailure(e);
            throw;
        }
    }

    /// <summary>
    /// Downloads the results folder of every succeeded job (its record's ResultPrefix) to {output}/{sample name}/. Each
    /// sample's folder is emptied first, whatever its job's outcome: the output folder is kept between runs, and files of
    /// an earlier run (a heatmap of a sample that fails now, an overlay of a slice no longer written) would pass for this
    /// run's.
    /// </summary>
    public Task DownloadAsync(IReadOnlyList<DemoJob> demoJobs, string output, CancellationToken cancellationToken) =>
        ExplainedAsync(
            async () =>
            {
                await DownloadResultsAsync(demoJobs, output, cancellationToken);
                return true;
            },
            cancellationToken);

    private async Task DownloadResultsAsync(IReadOnlyList<DemoJob> demoJobs, string output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(demoJobs);
        foreach (var job in demoJobs)
        {
            string earlier = Path.Combine(output, SampleName(job.File));
            if (Directory.Exists(earlier))
            {
                Directory.Delete(earlier, recursive: true);
            }
        }

        var container = blobs.GetBlobContainerClient(BlobLayout.ResultsContainer);
        foreach (var job in demoJobs.Where(j => j.State == JobState.Succeeded && j.ResultPrefix is not null))
        {
            string prefix = job.ResultPrefix!;
            string target = Path.Combine(output, SampleName(job.File));
            await foreach (var blob in container.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, prefix, cancellationToken))
            {
                string local = Path.Combine(target, blob.Name[prefix.Length..]);
                Directory.CreateDirectory(Path.GetDirectoryName(local)!);
                await container.GetBlobClient(blob.Name).DownloadToAsync(local, cancellationToken);
            }

            string report = Path.Combine(target, BlobLayout.ReportFile);
            if (File.Exists(report))
            {
                using var json = JsonDocument.Parse(await File.ReadAllTextAsync(report, cancellationToken));
                var slices = json.RootElement.GetProperty("slices");
                job.Slices = slices.GetArrayLength();
                job.TopScore = slices.EnumerateArray().Select(s => s.GetProperty("score").GetDouble()).DefaultIfEmpty(0).Max();
            }
        }
    }

    private static string SampleName(string file)
    {
        string name = Path.GetFileName(file);
        return name.EndsWith(".nii.gz", StringComparison.OrdinalIgnoreCase) ? name[..^7] : Path.GetFileNameWithoutExtension(name);
    }
}

/// <summary>One sample's job as the demo follows it.</summary>
public sealed class DemoJob(string scanId, string file)
{
    public string ScanId { get; } = scanId;

    public string File { get; } = file;

    public JobState State { get; set; } = JobState.Queued;

    /// <summary>The results folder the job record points at, once it Succeeded.</summary>
    public string? ResultPrefix { get; set; }

    public string? Error { get; set; }

    public double Seconds { get; set; }

    public int Slices { get; set; }

    public double TopScore { get; set; }

    /// <summary>Samples named "bad" demonstrate a typed rejection; their Failed state is the expected outcome.</summary>
    public bool ExpectedFailure { get; init; }
}
