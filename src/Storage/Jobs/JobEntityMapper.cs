using Azure.Data.Tables;
using Synomaly.Contracts;

namespace Synomaly.Storage.Jobs;

/// <summary>
/// Maps job records to table entities with explicit property names, so the stored schema is a visible contract
/// (the worker and the status API read the same names) rather than a side effect of reflection.
/// </summary>
internal static class JobEntityMapper
{
    public const string State = nameof(JobRecord.State);
    public const string CreatedAt = nameof(JobRecord.CreatedAt);

    public static TableEntity ToEntity(JobRecord record)
    {
        var entity = new TableEntity(record.ScanId, record.ModelVersion)
        {
            [nameof(JobRecord.ModelName)] = record.ModelName,
            [State] = record.State.ToString(),
            [nameof(JobRecord.Attempts)] = record.Attempts,
            [CreatedAt] = record.CreatedAt,
            [nameof(JobRecord.QueuedAt)] = record.QueuedAt,
            [nameof(JobRecord.ScheduledFor)] = record.ScheduledFor,
            [nameof(JobRecord.StartedAt)] = record.StartedAt,
            [nameof(JobRecord.FinishedAt)] = record.FinishedAt,
            [nameof(JobRecord.ErrorCode)] = record.ErrorCode,
            [nameof(JobRecord.ErrorMessage)] = record.ErrorMessage,
            [nameof(JobRecord.ResultPrefix)] = record.ResultPrefix,
            [nameof(JobRecord.Origin)] = record.Origin.ToString(),
            [nameof(JobRecord.DetectedFormat)] = record.DetectedFormat.ToString(),
            [nameof(JobRecord.SourceBlobUri)] = record.SourceBlobUri?.AbsoluteUri,
            [nameof(JobRecord.SourceETag)] = record.SourceETag,
            [nameof(JobRecord.SourceContentMd5)] = record.SourceContentMd5,
            [nameof(JobRecord.MessageId)] = record.MessageId,
            [nameof(JobRecord.CorrelationId)] = record.CorrelationId,
            [nameof(JobRecord.RunId)] = record.RunId,
        };
        entity.ETag = record.ETag;
        return entity;
    }

    public static JobRecord FromEntity(TableEntity entity) => new()
    {
        ScanId = entity.PartitionKey,
        ModelVersion = entity.RowKey,
        ModelName = entity.GetString(nameof(JobRecord.ModelName)) ?? "",
        State = ParseEnum(entity.GetString(State), JobState.Queued),
        Attempts = entity.GetInt32(nameof(JobRecord.Attempts)) ?? 0,
        CreatedAt = entity.GetDateTimeOffset(CreatedAt) ?? entity.Timestamp ?? DateTimeOffset.MinValue,
        QueuedAt = entity.GetDateTimeOffset(nameof(JobRecord.QueuedAt)),
        ScheduledFor = entity.GetDateTimeOffset(nameof(JobRecord.ScheduledFor)),
        StartedAt = entity.GetDateTimeOffset(nameof(JobRecord.StartedAt)),
        FinishedAt = entity.GetDateTimeOffset(nameof(JobRecord.FinishedAt)),
        ErrorCode = entity.GetString(nameof(JobRecord.ErrorCode)),
        ErrorMessage = entity.GetString(nameof(JobRecord.ErrorMessage)),
        ResultPrefix = entity.GetString(nameof(JobRecord.ResultPrefix)),
        Origin = ParseEnum(entity.GetString(nameof(JobRecord.Origin)), JobOrigin.Upload),
        DetectedFormat = ParseEnum(entity.GetString(nameof(JobRecord.DetectedFormat)), ScanFormat.Unknown),
        SourceBlobUri = entity.GetString(nameof(JobRecord.SourceBlobUri)) is { Length: > 0 } uri ? new Uri(uri) : null,
        SourceETag = entity.GetString(nameof(JobRecord.SourceETag)),
        SourceContentMd5 = entity.GetString(nameof(JobRecord.SourceContentMd5)),
        MessageId = entity.GetString(nameof(JobRecord.MessageId)),
        CorrelationId = entity.GetString(nameof(JobRecord.CorrelationId)),
        RunId = entity.GetString(nameof(JobRecord.RunId)),
        LastModified = entity.Timestamp,
        ETag = entity.ETag,
    };

    private static T ParseEnum<T>(string? value, T fallback) where T : struct, Enum =>
        Enum.TryParse<T>(value, ignoreCase: false, out var parsed) ? parsed : fallback;
}
