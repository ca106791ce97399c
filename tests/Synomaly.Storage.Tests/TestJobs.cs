using Synomaly.Contracts;

namespace Synomaly.Storage.Tests;

internal static class TestJobs
{
    public static ScanJob Create(string scanId, string etag = "\"0x8DC0FFEE\"", string modelVersion = "v1") => new()
    {
        ScanId = scanId,
        SourceBlobUri = new Uri($"http://127.0.0.1/devstoreaccount1/scans/{scanId}/scan.dcm"),
        SourceETag = etag,
        DetectedFormat = ScanFormat.Dicom,
        ModelName = "brain-mri-demo",
        ModelVersion = modelVersion,
        CorrelationId = "corr-" + scanId,
        SubmittedAt = new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero),
    };

    /// <summary>A table name of its own per test, so tests sharing one Azurite do not see each other's records.</summary>
    public static string UniqueTableName() => "jobs" + Guid.NewGuid().ToString("N")[..12];
}
