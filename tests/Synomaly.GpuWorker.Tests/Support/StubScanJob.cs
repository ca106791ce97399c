using Synomaly.Contracts;

namespace Synomaly.GpuWorker.Tests.Support;

/// <summary>
/// A ScanJob for tests that never read its source blob: codecs (which read its scan id, model and modality hint) and
/// transports (which carry it).
/// </summary>
internal static class StubScanJob
{
    public static ScanJob For(string scanId, ModalityHint modality = ModalityHint.Auto) => new()
    {
        ScanId = scanId,
        SourceBlobUri = new Uri($"http://127.0.0.1:10000/devstoreaccount1/scans/{scanId}/scan.nii.gz"),
        SourceETag = "\"0x1\"",
        ModelName = "m",
        ModelVersion = "1",
        CorrelationId = "c",
        SubmittedAt = DateTimeOffset.UnixEpoch,
        Modality = modality,
    };
}
