using Synomaly.Contracts;
using Synomaly.Functions.Services.Intake;
using Synomaly.Functions.Services.Jobs;
using Synomaly.Storage.Jobs;
using Synomaly.Storage.Messaging;
using Synomaly.Testing;

namespace Synomaly.Functions.Tests;

/// <summary>How often intake reads the job table for one upload, and that reading it once decides as safely as twice.</summary>
[Trait("Category", "Integration")]
public sealed class IntakeTableReadTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_accepted_upload_reads_the_scans_records_once()
    {
        // Intake listed the scan's records for its erasure check and then read the job's record again to reserve it: two
        // table requests for every upload, where the listing already held the record.
        await using var host = await TestHost.CreateAsync(azurite, jobStore: (table, time) => new ReadCountingJobStore(table, time));
        var scanId = ScanBytes.NewScanId();

        var result = await host.Get<ScanIntakeService>().ProcessAsync(await host.UploadScanAsync($"{scanId}/scan.png", ScanBytes.Png()), Ct);

        Assert.Equal(IntakeOutcome.Queued, result.Outcome);
        Assert.Equal(1, ((ReadCountingJobStore)host.Jobs).Reads(scanId));
    }

    [Fact]
    public async Task A_refused_upload_reads_the_scans_records_once()
    {
        await using var host = await TestHost.CreateAsync(azurite, jobStore: (table, time) => new ReadCountingJobStore(table, time));
        var scanId = ScanBytes.NewScanId();

        var result = await host.Get<ScanIntakeService>().ProcessAsync(await host.UploadScanAsync($"{scanId}/scan.png", ScanBytes.Text()), Ct);

        Assert.Equal((IntakeOutcome.Rejected, IntakeRejectionCode.UnknownFormat), (result.Outcome, result.Rejection));
        Assert.Equal(1, ((ReadCountingJobStore)host.Jobs).Reads(scanId));
    }

    [Fact]
    public async Task A_record_written_after_the_one_read_is_not_overwritten_and_the_upload_is_published_once()
    {
        // The decision is made on the listing's snapshot: a duplicate event's intake that recorded the same upload version
        // in between makes this intake's create-if-absent lose, and the fresh read then finds the version being handled.
        await using var host = await TestHost.CreateAsync(azurite, jobStore: (table, time) => new RacingStore(table, time));
        var scanId = ScanBytes.NewScanId();
        var upload = await host.UploadScanAsync($"{scanId}/scan.png", ScanBytes.Png());
        ((RacingStore)host.Jobs).BeforeFirstAnswer = () => host.Get<ScanIntakeService>().ProcessAsync(upload, Ct);

        var result = await host.Get<ScanIntakeService>().ProcessAsync(upload, Ct);

        Assert.Equal((IntakeOutcome.Skipped, SkipReason.Duplicate), (result.Outcome, result.Skipped));
        Assert.Single(host.Get<InMemoryScanJobPublisher>().Published, p => p.Job.ScanId == scanId);
        Assert.Equal(JobState.Queued, (await host.Jobs.GetAsync(scanId, "v1", Ct))!.State);
    }

    /// <summary>A job table whose first listing of a scan's records lets another intake run to its end before it answers with what it read.</summary>
    private sealed class RacingStore(Azure.Data.Tables.TableClient table, TimeProvider time) : JobStore(table, time)
    {
        private int listings;

        public Func<Task>? BeforeFirstAnswer { get; set; }

        public override async Task<IReadOnlyList<JobRecord>> ListForScanAsync(string scanId, CancellationToken cancellationToken = default)
        {
            var records = await base.ListForScanAsync(scanId, cancellationToken);
            if (Interlocked.Increment(ref listings) == 1 && BeforeFirstAnswer is { } other)
            {
                await other();
            }

            return records;
        }
    }
}
