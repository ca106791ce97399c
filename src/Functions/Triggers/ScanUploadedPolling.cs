using Azure.Storage.Blobs;
using Microsoft.Azure.Functions.Worker;
using Synomaly.Functions.Services.Intake;

namespace Synomaly.Functions.Triggers;

/// <summary>
/// The same intake with the polling blob trigger (logs and container scan), for <c>func start</c> on Azurite where no
/// Event Grid delivers events. A binding's Source cannot be read from a setting, so this twin exists and exactly one of
/// the two is enabled, through <c>AzureWebJobs.ScanUploaded.Disabled</c> / <c>AzureWebJobs.ScanUploadedPolling.Disabled</c>.
/// </summary>
public sealed class ScanUploadedPolling(ScanIntakeService intake)
{
    [Function(nameof(ScanUploadedPolling))]
    public Task Run(
        [BlobTrigger("scans/{name}", Source = BlobTriggerSource.LogsAndContainerScan, Connection = "ScansStorage")] BlobClient blob,
        CancellationToken cancellationToken) =>
        intake.ProcessEventAsync(blob, cancellationToken);
}
