using Azure;
using Azure.Data.Tables;
using Synomaly.Contracts;
using Synomaly.Storage.Messaging;

namespace Synomaly.Storage.Jobs;

/// <summary>
/// Job records in Table <c>jobs</c>. Every write is conditional (create-if-absent, or replace-if-ETag-matches) and every
/// state change is checked against <see cref="JobStateTransitions.IsAllowed"/>; races come back as typed results, not
/// exceptions, so callers on every transport (Service Bus, Storage Queue, in-memory) stay idempotent the same way.
/// Thread-safe; register once.
/// </summary>
public class JobStore
{
    /// <summary>Largest page the list query returns (the Table service itself caps pages at 1000).</summary>
    public const int MaxPageSize = 1000;

    private readonly TableClient table;
    private readonly TimeProvider clock;

    public JobStore(TableServiceClient tables, TimeProvider? clock = null)
        : this(tables.GetTableClient(BlobLayout.JobsTable), clock)
    {
    }

    public JobStore(TableClient table, TimeProvider? clock = null)
    {
        this.table = table;
        this.clock = clock ?? TimeProvider.System;
    }

    /// <summary>For mocking only.</summary>
    protected JobStore()
    {
        table = null!;
        clock = TimeProvider.System;
    }

    /// <summary>Creates the table when missing (local runs; in Azure the Bicep templates create it).</summary>
    public virtual async Task EnsureCreatedAsync(CancellationToken cancellationToken = default) =>
        await table.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);

    /// <exception cref="InvalidJobRecordException">The stored record holds a value this version cannot read.</exception>
    /// <exception cref="JobTableMissingException">The job table does not exist (as for every read and write).</exception>
    public virtual async Task<JobRecord?> GetAsync(string scanId, string modelVersion, CancellationToken cancellationToken = default)
    {
        NullableResponse<TableEntity> response;
        try
        {
            response = await table.GetEntityIfExistsAsync<TableEntity>(scanId, modelVersion, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (TableMissing.Is(e))
        {
            throw new JobTableMissingException(table.Name, e);
        }

        if (response.HasValue)
        {
            return JobEntityMapper.FromEntity(response.Value!);
        }

        // "If exists" answers a missing table as a missing record: read as null, the scan looked unknown (a 404 to the
        // portal that had just uploaded it) where the deployment was at fault.
        return TableMissing.Is(response.GetRawResponse())
            ? throw new JobTableMissingException(table.Name, new RequestFailedException(response.GetRawResponse()))
            : null;
    }

    /// <summary>
    /// Stores a new record; fills <see cref="JobRecord.CreatedAt"/> when unset. Returns <see cref="JobWriteOutcome.AlreadyExists"/>
    /// with the existing record when another writer created it first.
    /// </summary>
    /// <exception cref="JobTableMissingException">The job table does not exist (as for every write).</exception>
    public virtual async Task<JobWriteResult> CreateAsync(JobRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.CreatedAt == default)
        {
            record = record with { CreatedAt = clock.GetUtcNow() };
        }

        record = WithCappedSchedule(record);

        try
        {
            var response = await table.AddEntityAsync(JobEntityMapper.ToEntity(record), cancellationToken).ConfigureAwait(false);
            return new JobWriteResult(JobWriteOutcome.Written, record with { ETag = response.Headers.ETag ?? default });
        }
        catch (RequestFailedException e) when (TableMissing.Is(e))
        {
            throw new JobTableMissingException(table.Name, e);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            var existing = await GetAsync(record.ScanId, record.ModelVersion, cancellationToken).ConfigureAwait(false);
            return existing is null
                ? new JobWriteResult(JobWriteOutcome.NotFound, null)
                : new JobWriteResult(JobWriteOutcome.AlreadyExists, existing);
        }
    }

    /// <summary>
    /// Moves <paramref name="current"/> to <paramref name="to"/> and applies <paramref name="update"/> (timestamps, error,
    /// result prefix), only if the stored record still has <paramref name="current"/>'s ETag.
    /// </summary>
    public virtual Task<JobWriteResult> TransitionAsync(
        JobRecord current,
        JobState to,
        Func<JobRecord, JobRecord>? update = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(current);
        if (!JobStateTransitions.IsAllowed(current.State, to))
        {
            return Task.FromResult(new JobWriteResult(JobWriteOutcome.NotAllowed, current));
        }

        var next = (update ?? (r => r))(current with { State = to });
        return ReplaceAsync(current, next with { State = to }, cancellationToken);
    }

    /// <summary>Changes fields other than the state (for example QueuedAt after a publish), ETag-checked.</summary>
    public virtual Task<JobWriteResult> UpdateAsync(JobRecord current, Func<JobRecord, JobRecord> update, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(update);
        return ReplaceAsync(current, update(current) with { State = current.State }, cancellationToken);
    }

    /// <summary>
    /// Turns the record into a deletion tombstone (Failed, <see cref="JobRecord.DeletedErrorCode"/>, no results, message id
    /// <see cref="JobRecord.DeletedMessageId"/>, no source URI) from whatever state it is in: erasure on request is not a
    /// step of the job's life, so it bypasses the transition rules. ETag-checked like every write. The source URI goes
    /// because an archive scan's names the owner's file, which may identify the patient, and an erased scan keeps nothing
    /// but its opaque id, a code and a time.
    /// </summary>
    public virtual Task<JobWriteResult> MarkDeletedAsync(JobRecord current, DateTimeOffset deletedAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(current);
        return ReplaceAsync(current, JobRecord.Tombstone(current, deletedAt), cancellationToken);
    }

    /// <summary>Every record of one scan (one per model version it was processed for).</summary>
    /// <exception cref="InvalidJobRecordException">One of them holds a value this version cannot read.</exception>
    /// <exception cref="JobTableMissingException">The job table does not exist.</exception>
    public virtual async Task<IReadOnlyList<JobRecord>> ListForScanAsync(string scanId, CancellationToken cancellationToken = default)
    {
        var records = new List<JobRecord>();
        try
        {
            await foreach (var entity in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {scanId}"), cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                records.Add(JobEntityMapper.FromEntity(entity));
            }
        }
        catch (RequestFailedException e) when (TableMissing.Is(e))
        {
            throw new JobTableMissingException(table.Name, e);
        }

        return records;
    }

    /// <summary>
    /// Reads the record and applies the transition, re-reading and retrying when another writer moved the ETag
    /// (at most <paramref name="maxAttempts"/> times). For callers that have no record in hand (worker, dead-letter path).
    /// <paramref name="require"/> sees every record read before it is written and may throw to refuse it (the worker
    /// refuses a record that a newer message of the scan has taken over).
    /// </summary>
    public virtual async Task<JobWriteResult> TransitionLatestAsync(
        string scanId,
        string modelVersion,
        JobState to,
        Func<JobRecord, JobRecord>? update = null,
        int maxAttempts = 5,
        Action<JobRecord>? require = null,
        CancellationToken cancellationToken = default)
    {
        JobWriteResult result = new(JobWriteOutcome.NotFound, null);
        for (var attempt = 0; attempt < maxAttempts; attempt++)
        {
            var current = await GetAsync(scanId, modelVersion, cancellationToken).ConfigureAwait(false);
            if (current is null)
            {
                return new JobWriteResult(JobWriteOutcome.NotFound, null);
            }

            require?.Invoke(current);
            result = await TransitionAsync(current, to, update, cancellationToken).ConfigureAwait(false);
            if (result.Outcome != JobWriteOutcome.Conflict)
            {
                return result;
            }
        }

        return result;
    }

    /// <summary>
    /// One page of records, optionally only those in <paramref name="state"/>, created at or after <paramref name="since"/>
    /// and last written before <paramref name="modifiedBefore"/> (the table's Timestamp, filtered by the service).
    /// Pass the previous page's <see cref="JobPage.ContinuationToken"/> to read the next page. Records that cannot be read
    /// are left out and listed in <see cref="JobPage.Unreadable"/>.
    /// </summary>
    /// <exception cref="JobTableMissingException">The job table does not exist.</exception>
    public virtual async Task<JobPage> ListAsync(
        JobState? state = null,
        DateTimeOffset? since = null,
        string? continuationToken = null,
        int pageSize = 100,
        DateTimeOffset? modifiedBefore = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pageSize, MaxPageSize);
        var filters = new List<string>();
        if (state is { } s)
        {
            filters.Add(TableClient.CreateQueryFilter($"State eq {s.ToString()}"));
        }

        if (since is { } t)
        {
            filters.Add(TableClient.CreateQueryFilter($"CreatedAt ge {t.ToUniversalTime()}"));
        }

        if (modifiedBefore is { } m)
        {
            filters.Add(TableClient.CreateQueryFilter($"Timestamp lt {m.ToUniversalTime()}"));
        }

        var filter = filters.Count == 0 ? null : string.Join(" and ", filters);
        var pages = table.QueryAsync<TableEntity>(filter, pageSize, cancellationToken: cancellationToken)
            .AsPages(string.IsNullOrEmpty(continuationToken) ? null : continuationToken, pageSize);
        try
        {
            await foreach (var page in pages.ConfigureAwait(false))
            {
                return Read(page.Values, string.IsNullOrEmpty(page.ContinuationToken) ? null : page.ContinuationToken);
            }
        }
        catch (RequestFailedException e) when (TableMissing.Is(e))
        {
            throw new JobTableMissingException(table.Name, e);
        }

        return new JobPage([], null);
    }

    /// <summary>A page of entities as records, with those that cannot be read set apart rather than failing the page.</summary>
    private static JobPage Read(IReadOnlyList<TableEntity> entities, string? continuationToken)
    {
        var records = new List<JobRecord>(entities.Count);
        var unreadable = new List<InvalidJobRecordException>();
        foreach (var entity in entities)
        {
            try
            {
                records.Add(JobEntityMapper.FromEntity(entity));
            }
            catch (InvalidJobRecordException e)
            {
                unreadable.Add(e);
            }
        }

        return new JobPage(records, continuationToken) { Unreadable = unreadable };
    }

    private async Task<JobWriteResult> ReplaceAsync(JobRecord current, JobRecord next, CancellationToken cancellationToken)
    {
        next = WithCappedSchedule(next);
        try
        {
            var response = await table.UpdateEntityAsync(JobEntityMapper.ToEntity(next), current.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            return new JobWriteResult(JobWriteOutcome.Written, next with { ETag = response.Headers.ETag ?? default });
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            var latest = await GetAsync(current.ScanId, current.ModelVersion, cancellationToken).ConfigureAwait(false);
            return latest is null ? new JobWriteResult(JobWriteOutcome.NotFound, null) : new JobWriteResult(JobWriteOutcome.Conflict, latest);
        }
        catch (RequestFailedException e) when (TableMissing.Is(e))
        {
            throw new JobTableMissingException(table.Name, e);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return new JobWriteResult(JobWriteOutcome.NotFound, null);
        }
    }

    /// <summary>
    /// The record with its scheduled time no further ahead than any transport makes a message wait
    /// (<see cref="ScanJobSchedule"/>). Every writer passes here, so a time asked for beyond the cap (the publishers made the
    /// message visible at the cap) never reaches the table. A capped time stays as it is on later writes.
    /// </summary>
    private JobRecord WithCappedSchedule(JobRecord record) =>
        record.ScheduledFor is null ? record : record with { ScheduledFor = ScanJobSchedule.Cap(record.ScheduledFor, clock.GetUtcNow()) };
}
