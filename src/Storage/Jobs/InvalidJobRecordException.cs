namespace Synomaly.Storage.Jobs;

/// <summary>
/// A stored job record holds a value this version cannot read: a state or origin it does not know (written by a newer
/// version, or damaged) or a source URI that is no absolute URI. Read as a default instead, a record of an unknown state
/// looked Queued, a job waiting for its message. Names the record and the field; the value only where it names no file.
/// </summary>
public sealed class InvalidJobRecordException(string scanId, string modelVersion, string field, string problem)
    : Exception($"Job record {scanId}/{modelVersion}: its stored {field} {problem}. The record was written by a newer version or damaged; it is left as it is.")
{
    public string ScanId { get; } = scanId;

    public string ModelVersion { get; } = modelVersion;

    /// <summary>The stored property that could not be read.</summary>
    public string Field { get; } = field;
}
