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
            [nameof(JobRecord.ClaimedBy)] = record.ClaimedBy,
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

    /// <exception cref="InvalidJobRecordException">A state or origin this version does not know, or a source URI that is no absolute URI.</exception>
    public static JobRecord FromEntity(TableEntity entity) => new()
    {
        ScanId = entity.PartitionKey,
        ModelVersion = entity.RowKey,
        ModelName = entity.GetString(nameof(JobRecord.ModelName)) ?? "",
        State = Known<JobState>(entity, State, missing: null),
        Attempts = entity.GetInt32(nameof(JobRecord.Attempts)) ?? 0,
        CreatedAt = entity.GetDateTimeOffset(CreatedAt) ?? entity.Timestamp ?? DateTimeOffset.MinValue,
        QueuedAt = entity.GetDateTimeOffset(nameof(JobRecord.QueuedAt)),
        ScheduledFor = entity.GetDateTimeOffset(nameof(JobRecord.ScheduledFor)),
        StartedAt = entity.GetDateTimeOffset(nameof(JobRecord.StartedAt)),
        ClaimedBy = entity.GetString(nameof(JobRecord.ClaimedBy)),
        FinishedAt = entity.GetDateTimeOffset(nameof(JobRecord.FinishedAt)),
        ErrorCode = entity.GetString(nameof(JobRecord.ErrorCode)),
        ErrorMessage = entity.GetString(nameof(JobRecord.ErrorMessage)),
        ResultPrefix = entity.GetString(nameof(JobRecord.ResultPrefix)),
        // A record from before origins were stored is an upload's.
        Origin = Known<JobOrigin>(entity, nameof(JobRecord.Origin), missing: JobOrigin.Upload),
        // Display only: a format a newer version detects shows as Unknown rather than making the record unreadable.
        DetectedFormat = Enum.TryParse<ScanFormat>(entity.GetString(nameof(JobRecord.DetectedFormat)), ignoreCase: false, out var format) && Enum.IsDefined(format) ? format : ScanFormat.Unknown,
        SourceBlobUri = SourceUri(entity),
        SourceETag = entity.GetString(nameof(JobRecord.SourceETag)),
        SourceContentMd5 = entity.GetString(nameof(JobRecord.SourceContentMd5)),
        MessageId = entity.GetString(nameof(JobRecord.MessageId)),
        CorrelationId = entity.GetString(nameof(JobRecord.CorrelationId)),
        RunId = entity.GetString(nameof(JobRecord.RunId)),
        LastModified = entity.Timestamp,
        ETag = entity.ETag,
    };

    /// <summary>
    /// The stored name of one of <typeparamref name="T"/>'s values, exactly as written (a number or a list of names would
    /// parse, but no writer stores one); <paramref name="missing"/> when absent, if the field may be.
    /// </summary>
    private static T Known<T>(TableEntity entity, string field, T? missing) where T : struct, Enum
    {
        var value = entity.GetString(field);
        if (value is null)
        {
            return missing ?? throw new InvalidJobRecordException(entity.PartitionKey, entity.RowKey, field, "is missing");
        }

        return Enum.GetNames<T>().Contains(value, StringComparer.Ordinal)
            ? Enum.Parse<T>(value)
            : throw new InvalidJobRecordException(entity.PartitionKey, entity.RowKey, field, $"'{Shown(value)}' is not one this version knows ({string.Join(", ", Enum.GetNames<T>())})");
    }

    /// <summary>The source URI; an unreadable one is reported without its value, which names the scan's file.</summary>
    private static Uri? SourceUri(TableEntity entity)
    {
        var value = entity.GetString(nameof(JobRecord.SourceBlobUri));
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        return Uri.TryCreate(value, UriKind.Absolute, out var uri)
            ? uri
            : throw new InvalidJobRecordException(entity.PartitionKey, entity.RowKey, nameof(JobRecord.SourceBlobUri), "is not an absolute URI (its value is not shown: it names the scan's file)");
    }

    /// <summary>A stored value as an error message shows it: damage can make it long.</summary>
    private static string Shown(string value) => value.Length <= 64 ? value : value[..64] + "...";
}
