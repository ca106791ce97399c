using Azure.Storage.Blobs;
using Microsoft.Azure.Functions.Worker;
using Synomaly.Functions.Services.Intake;

namespace Synomaly.Functions.Triggers;

/// <summary>
/// Intake of an uploaded scan, driven by Event Grid BlobCreated events (Azure; Flex Consumption has no polling trigger).
/// Bound to a <see cref="BlobClient"/> so the scan is never downloaded here. Disabled where
/// <c>Intake__BlobTriggerSource=LogsAndContainerScan</c> (see <see cref="ScanUploadedPolling"/>).
/// </summary>
public sealed class ScanUploaded(ScanIntakeService intake)
{
    [Function(nameof(ScanUploaded))]
    public Task Run(
        [BlobTrigger("scans/{name}", Source = BlobTriggerSource.EventGrid, Connection = "ScansStorage")] BlobClient blob,
        CancellationToken cancellationToken) =>
        intake.ProcessEventAsync(blob, cancellationToken);
}
