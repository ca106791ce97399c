using System.Text.Json;

namespace Synomaly.Contracts;

/// <summary>Reads and writes ScanJob messages, rejecting unknown schema versions with a typed error.</summary>
public static class ScanJobSerializer
{
    /// <exception cref="ArgumentException">An archive job still names its source, or a job carries its content hash: publish
    /// <see cref="ScanJob.ForQueue"/>.</exception>
    public static byte[] Serialize(ScanJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        // The last point before the path would leave the data account for the queue and, on failure, the dead-letter
        // queue, where neither an erasure nor the owner's deletion reaches it: refuse rather than strip silently, so that
        // a writer that forgot ForQueue fails in its tests.
        if (job.Origin == JobOrigin.Bulk && job.SourceBlobUri is not null)
        {
            throw new ArgumentException("An archive job's message must not carry its source path (the owner's file name); publish job.ForQueue(), the worker reads the path from the job record.", nameof(job));
        }

        if (job.SourceContentMd5 is not null)
        {
            throw new ArgumentException("A ScanJob message must not carry the file's content hash (it would confirm an erased file in a dead letter); publish job.ForQueue(), the job record keeps the hash.", nameof(job));
        }

        return JsonSerializer.SerializeToUtf8Bytes(job, ContractsJsonContext.Default.ScanJob);
    }

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

        if (job.SchemaVersion is < ScanJob.OldestReadableSchemaVersion or > ScanJob.CurrentSchemaVersion)
        {
            throw new InvalidScanJobException($"Unsupported ScanJob schema version {job.SchemaVersion}; this build reads versions {ScanJob.OldestReadableSchemaVersion} to {ScanJob.CurrentSchemaVersion}.");
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

        if (job.SourceBlobUri is null && job.SchemaVersion == 1)
        {
            throw new InvalidScanJobException("The ScanJob has no sourceBlobUri, which schema version 1 requires.");
        }

        // Absent from version 2 on for archive jobs: the worker reads the source from the job record.
        if (job.SourceBlobUri is { } source && (!source.IsAbsoluteUri || source.Scheme is not ("https" or "http")))
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
