using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Synomaly.Contracts;
using Synomaly.Functions.Options;
using Synomaly.Storage.Jobs;

namespace Synomaly.Functions.Services.Intake;

/// <summary>What one reconciliation sweep saw and did.</summary>
/// <param name="Examined">Uploads old enough to check and young enough to be inside the lookback window.</param>
/// <param name="Resubmitted">Scan ids whose upload had no job for its current version and went through intake now.</param>
public sealed record ReconcileResult(int Examined, IReadOnlyList<string> Resubmitted);

/// <summary>
/// The safety net under the blob trigger: blob events can be lost (Event Grid gives up after its retries; the polling
/// trigger's container scan can skip blobs that share a timestamp), and a lost event must not mean a lost scan. Each sweep
/// lists scans/, and every upload between the grace period and the lookback window whose job record does not cover its
/// current version goes through the same intake as its event would have. Intake is idempotent, so a sweep that races the
/// trigger publishes nothing twice.
/// </summary>
public sealed partial class UploadReconciler(BlobServiceClient blobs, JobStore jobs, ScanIntakeService intake, IOptions<IntakeOptions> options, TimeProvider clock, ILogger<UploadReconciler> logger)
{
    private readonly IntakeOptions settings = options.Value;

    public async Task<ReconcileResult> RunAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var newest = now.AddSeconds(-settings.ReconcileGraceSeconds);
        var oldest = now.AddHours(-settings.ReconcileLookbackHours);
        var container = blobs.GetBlobContainerClient(BlobLayout.ScansContainer);
        int examined = 0;
        var resubmitted = new List<string>();
        await foreach (var item in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix: null, cancellationToken).ConfigureAwait(false))
        {
            var modified = item.Properties.LastModified;
            var path = UploadBlobPath.Parse(item.Name);
            if (modified is null || modified > newest || modified < oldest || !path.IsValidScanId)
            {
                continue;
            }

            examined++;
            var record = await jobs.GetAsync(path.ScanId!, settings.ModelVersion, cancellationToken).ConfigureAwait(false);
            if (record is not null && Handled(record, item.Properties.ETag?.ToString()))
            {
                continue;
            }

            var result = await intake.ProcessAsync(container.GetBlobClient(item.Name), cancellationToken).ConfigureAwait(false);
            if (result.Outcome is IntakeOutcome.Queued or IntakeOutcome.Rejected)
            {
                resubmitted.Add(path.ScanId!);
                LogResubmitted(path.ScanId!, settings.ReconcileGraceSeconds, result.Outcome);
            }
        }

        LogSweep(examined, resubmitted.Count);
        return new ReconcileResult(examined, resubmitted);
    }

    /// <summary>
    /// The upload's current version already has its outcome: a job in flight or done, or a Failed one for this very
    /// version (a bad file stays failed until it is uploaded again; re-running it every sweep would change nothing).
    /// A job that only expired unprocessed has no outcome yet.
    /// </summary>
    private static bool Handled(JobRecord record, string? etag) =>
        etag is not null
        && (record.CoversSourceVersion(etag)
            || record.FailedForVersion(etag));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scan {ScanId}: no job {GraceSeconds} s after its upload (its blob event was lost or is late); intake ran now ({Outcome})")]
    private partial void LogResubmitted(string scanId, int graceSeconds, IntakeOutcome outcome);

    [LoggerMessage(Level = LogLevel.Information, Message = "Upload reconciliation: {Examined} uploads checked, {Resubmitted} resubmitted")]
    private partial void LogSweep(int examined, int resubmitted);
}
