using Synomaly.Contracts;

namespace Synomaly.GpuWorker.Tests.Support;

/// <summary>A ScanJob for codec tests, which read its scan id, model and modality hint but never its source blob.</summary>
internal static class CodecTestJob
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
