using Azure.Data.Tables;
using Synomaly.Contracts;
using Synomaly.Storage.Jobs;
using Synomaly.Storage.Messaging;
using Synomaly.Testing;

namespace Synomaly.Storage.Tests;

[Trait("Category", "Integration")]
public sealed class JobStoreTests(AzuriteFixture azurite)
{
    private async Task<JobStore> NewStoreAsync(TimeProvider? clock = null)
    {
        var store = new JobStore(new TableClient(azurite.ConnectionString, TestJobs.UniqueTableName()), clock);
        await store.EnsureCreatedAsync(TestContext.Current.CancellationToken);
        return store;
    }

    private static JobRecord NewRecord(string scanId, string modelVersion = "v1") => new()
    {
        ScanId = scanId,
        ModelVersion = modelVersion,
        ModelName = "brain-mri-demo",
        SourceETag = "\"0x1\"",
        MessageId = ScanJob.CreateMessageId(scanId, "\"0x1\"", modelVersion),
        DetectedFormat = ScanFormat.Nifti,
        Origin = JobOrigin.Bulk,
        SourceBlobUri = new Uri("http://127.0.0.1/devstoreaccount1/archive/a/b.nii"),
        CorrelationId = "c1",
        RunId = "run-1",
        ClaimedBy = "1.0123456789abcdef0123456789abcdef@queue-message-1",
    };

    [Fact]
    public async Task A_created_record_reads_back_with_every_field_and_an_etag()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = await NewStoreAsync();
        var created = await store.CreateAsync(NewRecord("scan-a"), ct);
        Assert.Equal(JobWriteOutcome.Written, created.Outcome);

        var read = await store.GetAsync("scan-a", "v1", ct);
        Assert.NotNull(read);
        Assert.Equal(created.Record!.ETag, read.ETag);
        Assert.Equal(JobState.Queued, read.State);
        Assert.Equal(ScanFormat.Nifti, read.DetectedFormat);
        Assert.Equal(JobOrigin.Bulk, read.Origin);
        Assert.Equal("scan-a:0x1:v1", read.MessageId);
        Assert.Equal("run-1", read.RunId);
        Assert.Equal("1.0123456789abcdef0123456789abcdef@queue-message-1", read.ClaimedBy);
        Assert.Equal(new Uri("http://127.0.0.1/devstoreaccount1/archive/a/b.nii"), read.SourceBlobUri);
        Assert.NotEqual(default, read.CreatedAt);
        Assert.Null(read.QueuedAt);
    }

    [Fact]
    public async Task A_record_keeps_its_scheduled_time_and_reads_back_the_table_s_last_write_time()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = await NewStoreAsync();
        var scheduled = DateTimeOffset.UtcNow.AddHours(10);
        var before = DateTimeOffset.UtcNow.AddSeconds(-5);
        await store.CreateAsync(NewRecord("scan-s") with { ScheduledFor = scheduled }, ct);

        var read = await store.GetAsync("scan-s", "v1", ct);

        Assert.Equal(scheduled, read!.ScheduledFor);
        Assert.InRange(read.LastModified!.Value, before, DateTimeOffset.UtcNow.AddSeconds(5));
    }

    [Fact]
    public async Task A_scheduled_time_beyond_the_cap_is_stored_as_the_cap_on_create_and_on_update()
    {
        // No transport makes a message visible later than the cap; a record saying later (a skewed clock, a bulk pace
        // planned past it) kept the expiry sweep from failing the job until long after its message had expired.
        var ct = TestContext.Current.CancellationToken;
        var clock = new ManualClock(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        var store = await NewStoreAsync(clock);

        var created = (await store.CreateAsync(NewRecord("scan-far") with { ScheduledFor = clock.Now.AddYears(1) }, ct)).Record!;
        clock.Now = clock.Now.AddHours(1);
        var updated = (await store.UpdateAsync(created, r => r with { ScheduledFor = clock.Now.AddDays(30) }, ct)).Record!;

        Assert.Equal(new DateTimeOffset(2026, 12, 8, 0, 0, 0, TimeSpan.Zero), created.ScheduledFor);
        Assert.Equal(clock.Now + ScanJobSchedule.MaxDelay, updated.ScheduledFor);
        Assert.Equal(updated.ScheduledFor, (await store.GetAsync("scan-far", "v1", ct))!.ScheduledFor);
    }

    [Fact]
    public async Task List_can_ask_the_table_service_for_records_last_written_before_a_time()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = await NewStoreAsync();
        await store.CreateAsync(NewRecord("scan-q"), ct);

        var beforeTheWrite = await store.ListAsync(JobState.Queued, modifiedBefore: DateTimeOffset.UtcNow.AddMinutes(-10), cancellationToken: ct);
        var afterTheWrite = await store.ListAsync(JobState.Queued, modifiedBefore: DateTimeOffset.UtcNow.AddMinutes(10), cancellationToken: ct);

        Assert.Empty(beforeTheWrite.Jobs);
        Assert.Equal(["scan-q"], afterTheWrite.Jobs.Select(j => j.ScanId));
    }

    [Fact]
    public async Task A_second_create_reports_the_existing_record_instead_of_overwriting_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = await NewStoreAsync();
        await store.CreateAsync(NewRecord("scan-b") with { CorrelationId = "first" }, ct);
        var second = await store.CreateAsync(NewRecord("scan-b") with { CorrelationId = "second" }, ct);
        Assert.Equal(JobWriteOutcome.AlreadyExists, second.Outcome);
        Assert.Equal("first", second.Record!.CorrelationId);
    }

    [Fact]
    public async Task A_transition_with_a_stale_etag_returns_a_conflict_with_the_current_record()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = await NewStoreAsync();
        var created = (await store.CreateAsync(NewRecord("scan-c"), ct)).Record!;
        var processing = await store.TransitionAsync(created, JobState.Processing, r => r with { Attempts = r.Attempts + 1 }, ct);
        Assert.Equal(JobWriteOutcome.Written, processing.Outcome);
        Assert.Equal(1, processing.Record!.Attempts);

        // A second writer still holding the original ETag loses and learns the current state.
        var stale = await store.TransitionAsync(created, JobState.Failed, r => r with { ErrorCode = "X" }, ct);
        Assert.Equal(JobWriteOutcome.Conflict, stale.Outcome);
        Assert.Equal(JobState.Processing, stale.Record!.State);
        Assert.Null((await store.GetAsync("scan-c", "v1", ct))!.ErrorCode);
    }

    [Fact]
    public async Task A_succeeded_job_cannot_go_back_to_processing_or_fail_and_the_refusal_changes_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = await NewStoreAsync();
        var created = (await store.CreateAsync(NewRecord("scan-d"), ct)).Record!;
        var processing = (await store.TransitionAsync(created, JobState.Processing, cancellationToken: ct)).Record!;
        var succeeded = (await store.TransitionAsync(processing, JobState.Succeeded, r => r with { ResultPrefix = "scan-d/v1/" }, ct)).Record!;

        // (Only intake may queue it again, for a new version of its upload.)
        Assert.Equal(JobWriteOutcome.NotAllowed, (await store.TransitionAsync(succeeded, JobState.Processing, cancellationToken: ct)).Outcome);
        Assert.Equal(JobWriteOutcome.NotAllowed, (await store.TransitionAsync(succeeded, JobState.Failed, cancellationToken: ct)).Outcome);
        var stored = await store.GetAsync("scan-d", "v1", ct);
        Assert.Equal(JobState.Succeeded, stored!.State);
        Assert.Equal("scan-d/v1/", stored.ResultPrefix);
    }

    [Fact]
    public async Task Transition_latest_retries_past_a_concurrent_writer()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = await NewStoreAsync();
        await store.CreateAsync(NewRecord("scan-e"), ct);
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ =>
            store.TransitionLatestAsync("scan-e", "v1", JobState.Processing, r => r with { Attempts = r.Attempts + 1 }, maxAttempts: 10, cancellationToken: ct)));
        Assert.All(results, r => Assert.Equal(JobWriteOutcome.Written, r.Outcome));
        Assert.Equal(4, (await store.GetAsync("scan-e", "v1", ct))!.Attempts);
    }

    [Fact]
    public async Task List_filters_by_state_and_creation_time_and_pages_with_a_continuation_token()
    {
        var ct = TestContext.Current.CancellationToken;
        var clock = new ManualClock(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var store = await NewStoreAsync(clock);
        for (var i = 0; i < 7; i++)
        {
            clock.Now = clock.Now.AddHours(1);
            var record = (await store.CreateAsync(NewRecord($"scan-{i:D2}"), ct)).Record!;
            if (i % 2 == 1)
            {
                await store.TransitionAsync(record, JobState.Failed, r => r with { ErrorCode = "Empty" }, ct);
            }
        }

        var failed = await store.ListAsync(JobState.Failed, cancellationToken: ct);
        Assert.Equal(["scan-01", "scan-03", "scan-05"], failed.Jobs.Select(j => j.ScanId).Order());

        var recent = await store.ListAsync(since: new DateTimeOffset(2026, 1, 1, 5, 0, 0, TimeSpan.Zero), cancellationToken: ct);
        Assert.Equal(["scan-04", "scan-05", "scan-06"], recent.Jobs.Select(j => j.ScanId).Order());

        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await store.ListAsync(continuationToken: token, pageSize: 3, cancellationToken: ct);
            Assert.True(page.Jobs.Count <= 3);
            seen.AddRange(page.Jobs.Select(j => j.ScanId));
            token = page.ContinuationToken;
            pages++;
        }
        while (token is not null);
        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"scan-{i:D2}"), seen.Order());
    }

    /// <summary>A store, and the table beneath it to write what no version of the store would (a newer version's record, damage).</summary>
    private async Task<(JobStore Store, TableClient Table)> NewStoreAndTableAsync()
    {
        var table = new TableClient(azurite.ConnectionString, TestJobs.UniqueTableName());
        var store = new JobStore(table);
        await store.EnsureCreatedAsync(TestContext.Current.CancellationToken);
        return (store, table);
    }

    [Theory]
    [InlineData("State", "Paused")] // a state a newer version added: it used to read as Queued, a job waiting for its message
    [InlineData("State", "7")] // a number parses as an enum value that names no state
    [InlineData("Origin", "Replay")]
    public async Task A_stored_value_this_version_does_not_know_is_a_typed_error_naming_the_field_and_value(string field, string value)
    {
        var ct = TestContext.Current.CancellationToken;
        var (store, table) = await NewStoreAndTableAsync();
        await store.CreateAsync(NewRecord("scan-new"), ct);
        await table.UpsertEntityAsync(new TableEntity("scan-new", "v1") { [field] = value }, TableUpdateMode.Merge, ct);

        var error = await Assert.ThrowsAsync<InvalidJobRecordException>(() => store.GetAsync("scan-new", "v1", ct));

        Assert.Equal((field, "scan-new", "v1"), (error.Field, error.ScanId, error.ModelVersion));
        Assert.Contains($"{field} '{value}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stored_source_uri_that_is_no_uri_is_a_typed_error_that_does_not_repeat_the_value()
    {
        // The value names the archive file, which may identify the patient: the error names the field only.
        var ct = TestContext.Current.CancellationToken;
        var (store, table) = await NewStoreAndTableAsync();
        await store.CreateAsync(NewRecord("scan-uri"), ct);
        await table.UpsertEntityAsync(new TableEntity("scan-uri", "v1") { ["SourceBlobUri"] = "patient smith/scan.dcm" }, TableUpdateMode.Merge, ct);

        var error = await Assert.ThrowsAsync<InvalidJobRecordException>(() => store.GetAsync("scan-uri", "v1", ct));

        Assert.Equal("SourceBlobUri", error.Field);
        Assert.DoesNotContain("smith", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_listed_page_keeps_the_readable_records_and_names_the_unreadable_one_apart()
    {
        // One bad record failed the whole page: the expiry sweep stopped at it on every run, and the list API answered 500.
        var ct = TestContext.Current.CancellationToken;
        var (store, table) = await NewStoreAndTableAsync();
        await store.CreateAsync(NewRecord("scan-1"), ct);
        await store.CreateAsync(NewRecord("scan-2"), ct);
        await store.CreateAsync(NewRecord("scan-3"), ct);
        await table.UpsertEntityAsync(new TableEntity("scan-2", "v1") { ["SourceBlobUri"] = "not a uri" }, TableUpdateMode.Merge, ct);

        var page = await store.ListAsync(JobState.Queued, cancellationToken: ct);

        Assert.Equal(["scan-1", "scan-3"], page.Jobs.Select(j => j.ScanId));
        var unreadable = Assert.Single(page.Unreadable);
        Assert.Equal(("scan-2", "SourceBlobUri"), (unreadable.ScanId, unreadable.Field));
    }

    [Fact]
    public async Task A_write_to_a_table_that_does_not_exist_is_a_configuration_fault_not_a_deleted_record()
    {
        // Replace answers 404 for a missing table as for a missing entity: read as NotFound, the callers took a deployment
        // fault (a wrong account, a table never created) for a record erased meanwhile, and went on.
        var ct = TestContext.Current.CancellationToken;
        var (store, table) = await NewStoreAndTableAsync();
        var created = (await store.CreateAsync(NewRecord("scan-gone"), ct)).Record!;
        await table.DeleteAsync(ct);

        var error = await Assert.ThrowsAsync<JobTableMissingException>(() => store.UpdateAsync(created, r => r with { RunId = "run-2" }, ct));

        Assert.Equal(table.Name, error.TableName);
        Assert.Contains($"'{table.Name}' does not exist", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<JobTableMissingException>(() => store.CreateAsync(NewRecord("scan-new"), ct));
    }

    [Fact]
    public async Task A_read_or_listing_of_a_table_that_does_not_exist_is_the_same_configuration_fault_as_a_write()
    {
        // Writes were typed; reads were not: a listing ended in the SDK's bare 404, a status read in "no such scan", and
        // the HTTP API answered a portal with a bare 500 or a 404 for a scan it had just uploaded.
        var ct = TestContext.Current.CancellationToken;
        var (store, table) = await NewStoreAndTableAsync();
        await store.CreateAsync(NewRecord("scan-gone"), ct);
        await table.DeleteAsync(ct);

        var read = await Assert.ThrowsAsync<JobTableMissingException>(() => store.GetAsync("scan-gone", "v1", ct));
        var partition = await Assert.ThrowsAsync<JobTableMissingException>(() => store.ListForScanAsync("scan-gone", ct));
        var page = await Assert.ThrowsAsync<JobTableMissingException>(() => store.ListAsync(JobState.Queued, cancellationToken: ct));

        Assert.All([read, partition, page], e => Assert.Equal(table.Name, e.TableName));
        await Assert.ThrowsAsync<JobTableMissingException>(() => store.TransitionLatestAsync("scan-gone", "v1", JobState.Processing, cancellationToken: ct));
    }

    [Fact]
    public async Task A_read_of_a_record_that_does_not_exist_in_a_table_that_does_is_still_none()
    {
        var ct = TestContext.Current.CancellationToken;
        var (store, _) = await NewStoreAndTableAsync();

        Assert.Null(await store.GetAsync("scan-none", "v1", ct));
        Assert.Empty(await store.ListForScanAsync("scan-none", ct));
    }

    [Fact]
    public async Task A_write_to_a_record_deleted_meanwhile_still_reports_not_found()
    {
        var ct = TestContext.Current.CancellationToken;
        var (store, table) = await NewStoreAndTableAsync();
        var created = (await store.CreateAsync(NewRecord("scan-erased"), ct)).Record!;
        await table.DeleteEntityAsync("scan-erased", "v1", cancellationToken: ct);

        var result = await store.UpdateAsync(created, r => r with { RunId = "run-2" }, ct);

        Assert.Equal(JobWriteOutcome.NotFound, result.Outcome);
    }

    [Fact]
    public void A_record_covers_its_own_published_blob_version_only()
    {
        var published = NewRecord("s") with { QueuedAt = DateTimeOffset.UnixEpoch };
        Assert.True(published.CoversSourceVersion("0x1"));
        Assert.True(published.CoversSourceVersion("\"0x1\""));
        Assert.False(published.CoversSourceVersion("\"0x2\""));
        Assert.False((published with { QueuedAt = null }).CoversSourceVersion("0x1"));
        Assert.True((published with { State = JobState.Succeeded }).CoversSourceVersion("0x1"));
        Assert.False((published with { State = JobState.Failed }).CoversSourceVersion("0x1"));
    }
}
