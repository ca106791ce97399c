using System.Text.Json;

namespace Synomaly.Contracts;

/// <summary>Reads and writes ScanJob messages, rejecting unknown schema versions with a typed error.</summary>
public static class ScanJobSerializer
{
    public static byte[] Serialize(ScanJob job) => JsonSerializer.SerializeToUtf8Bytes(job, ContractsJsonContext.Default.ScanJob);

    public static ScanJob Deserialize(ReadOnlySpan<byte> utf8Json)
    {
        ScanJob? job;
        try
        {
            job = JsonSerializer.Deserialize(utf8Json, ContractsJsonContext.Default.ScanJob);
        }
        catch (JsonException e)
        {
            throw new InvalidScanJobException($"The message is not a valid ScanJob: {e.Message}", e);
        }

        if (job is null)
        {
            throw new InvalidScanJobException("The message is empty (JSON null).");
        }

        if (job.SchemaVersion != ScanJob.CurrentSchemaVersion)
        {
            throw new InvalidScanJobException($"Unsupported ScanJob schema version {job.SchemaVersion}; this build reads version {ScanJob.CurrentSchemaVersion}.");
        }

        if (!BlobLayout.IsValidScanId(job.ScanId))
        {
            throw new InvalidScanJobException($"The ScanJob's scanId is not an opaque id ({BlobLayout.ScanIdRule}).");
        }

        // The fields below name result paths, table keys and the blob to read: a message that breaks them would only fail
        // later, untyped, after several deliveries. (Values are not echoed: a URI can hold an archive file name.)
        if (!BlobLayout.IsValidModelVersion(job.ModelVersion))
        {
            throw new InvalidScanJobException($"The ScanJob's modelVersion must be {BlobLayout.ModelVersionRule}.");
        }

        if (string.IsNullOrWhiteSpace(job.ModelName))
        {
            throw new InvalidScanJobException("The ScanJob has no modelName.");
        }

        if (string.IsNullOrWhiteSpace(job.SourceETag))
        {
            throw new InvalidScanJobException("The ScanJob has no sourceETag.");
        }

        if (!job.SourceBlobUri.IsAbsoluteUri || job.SourceBlobUri.Scheme is not ("https" or "http"))
        {
            throw new InvalidScanJobException("The ScanJob's sourceBlobUri is not an absolute http(s) URI.");
        }

        if (string.IsNullOrWhiteSpace(job.InferenceProfile))
        {
            throw new InvalidScanJobException("The ScanJob has no inferenceProfile.");
        }

        return job;
    }
}

/// <summary>A queue message that cannot be a ScanJob of this version: it is dead-lettered, never retried.</summary>
public sealed class InvalidScanJobException : Exception
{
    public InvalidScanJobException(string message) : base(message) { }

    public InvalidScanJobException(string message, Exception inner) : base(message, inner) { }
}
