using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Synomaly.Contracts;
using Synomaly.Functions.Options;
using Synomaly.Functions.Services.Intake;
using Synomaly.Functions.Services.Sweeps;
using Synomaly.Functions.Triggers;
using Synomaly.Storage.Messaging;
using Synomaly.Testing;

namespace Synomaly.Functions.Tests;

/// <summary>
/// The safety net for lost blob events. A sweep lists the whole scans container and takes in (or, for append and page
/// blobs, deletes) every upload without a job, so each test's host has a storage account of its own: on the shared one it
/// would sweep the uploads of the test classes running beside it. Assertions still look at this test's scan ids.
/// </summary>
[Trait("Category", "Integration")]
public sealed class UploadReconcilerTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_upload_whose_event_was_lost_is_submitted_by_the_next_sweep_and_only_once()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow.AddMinutes(10));
        await using var host = await TestHost.CreateAsync(azurite, clock: clock, ownStorageAccount: true);
        var scanId = ScanBytes.NewScanId();
        await host.UploadScanAsync($"{scanId}/scan.dcm", ScanBytes.Dicom());

        var first = await host.Get<UploadReconciler>().RunAsync(Ct);
        var second = await host.Get<UploadReconciler>().RunAsync(Ct);

        Assert.Contains(scanId, first.Resubmitted);
        Assert.DoesNotContain(scanId, second.Resubmitted);
        Assert.Single(host.Get<InMemoryScanJobPublisher>().Published, p => p.Job.ScanId == scanId);
        Assert.Equal(JobState.Queued, (await host.Jobs.GetAsync(scanId, "v1", Ct))!.State);
    }

    [Fact]
    public async Task Without_the_table_that_keeps_its_place_the_sweep_still_takes_lost_uploads_in_from_the_start()
    {
        // The sweep is the safety net for lost blob events: a missing checkpoint table (bulkruns) stopped it before it
        // looked at any upload. It now runs from the start and keeps no place until the table is back.
        var clock = new ManualClock(DateTimeOffset.UtcNow.AddMinutes(10));
        await using var host = await TestHost.CreateAsync(azurite, clock: clock, ownStorageAccount: true);
        var tables = new Azure.Data.Tables.TableServiceClient(host.ConnectionString);
        await foreach (var table in tables.QueryAsync(t => true, cancellationToken: Ct))
        {
            if (table.Name.StartsWith("cursors", StringComparison.Ordinal))
            {
                await tables.DeleteTableAsync(table.Name, Ct);
            }
        }

        var scanId = ScanBytes.NewScanId();
        await host.UploadScanAsync($"{scanId}/scan.dcm", ScanBytes.Dicom());

        var sweep = await host.Get<UploadReconciler>().RunAsync(Ct);

        Assert.Contains(scanId, sweep.Resubmitted);
        Assert.Equal(JobState.Queued, (await host.Jobs.GetAsync(scanId, "v1", Ct))!.State);
    }

    [Fact]
    public async Task Uploads_that_went_through_intake_queued_or_rejected_are_left_alone()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow.AddMinutes(10));
        await using var host = await TestHost.CreateAsync(azurite, clock: clock, ownStorageAccount: true);
        var queued = ScanBytes.NewScanId();
        var rejected = ScanBytes.NewScanId();
        await host.Function<ScanUploadedPolling>().Run(await host.UploadScanAsync($"{queued}/scan.png", ScanBytes.Png()), Ct);
        await host.Function<ScanUploadedPolling>().Run(await host.UploadScanAsync($"{rejected}/scan.png", ScanBytes.Text()), Ct);

        var sweep = await host.Get<UploadReconciler>().RunAsync(Ct);

        Assert.DoesNotContain(queued, sweep.Resubmitted);
        Assert.DoesNotContain(rejected, sweep.Resubmitted);
        Assert.Single(host.Get<InMemoryScanJobPublisher>().Published, p => p.Job.ScanId == queued);
        Assert.Equal(JobState.Failed, (await host.Jobs.GetAsync(rejected, "v1", Ct))!.State);
    }

    [Fact]
    public async Task An_unchanged_re_upload_of_a_succeeded_scan_is_left_alone_by_every_sweep()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow.AddMinutes(10));
        await using var host = await TestHost.CreateAsync(azurite, clock: clock, jobStore: (table, time) => new IntakeCountingJobStore(table, time), ownStorageAccount: true);
        var scanId = ScanBytes.NewScanId();
        var blob = await host.UploadScanAsync($"{scanId}/scan.dcm", ScanBytes.Dicom());
        await host.Function<ScanUploadedPolling>().Run(blob, Ct);
        var queued = (await host.Jobs.GetAsync(scanId, "v1", Ct))!;
        var processing = (await host.Jobs.TransitionAsync(queued, JobState.Processing, r => r with { Attempts = 1, StartedAt = clock.Now }, Ct)).Record!;
        await host.Jobs.TransitionAsync(processing, JobState.Succeeded, r => r with { ResultPrefix = BlobLayout.ResultsPrefix(scanId, "v1", queued.SourceETag!) }, Ct);
        // The same bytes again (a portal repeating its upload): a new blob version, which intake answers with the results.
        await blob.UploadAsync(BinaryData.FromBytes(ScanBytes.Dicom()), overwrite: true, Ct);
        await host.Function<ScanUploadedPolling>().Run(blob, Ct);
        var store = (IntakeCountingJobStore)host.Jobs;
        var runsBefore = store.IntakeRuns(scanId);

        await host.Get<UploadReconciler>().RunAsync(Ct);
        await host.Get<UploadReconciler>().RunAsync(Ct);

        Assert.Equal(runsBefore, store.IntakeRuns(scanId));
        Assert.Single(host.Get<InMemoryScanJobPublisher>().Published, p => p.Job.ScanId == scanId);
        Assert.Equal(JobState.Succeeded, (await host.Jobs.GetAsync(scanId, "v1", Ct))!.State);
    }

    [Fact]
    public async Task An_upload_younger_than_the_grace_period_is_left_to_its_trigger_until_it_is_older()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var host = await TestHost.CreateAsync(azurite, new() { ["Intake:ReconcileGraceSeconds"] = "60" }, clock: clock, ownStorageAccount: true);
        var scanId = ScanBytes.NewScanId();
        await host.UploadScanAsync($"{scanId}/scan.dcm", ScanBytes.Dicom());

        await host.Function<ReconcileUploads>().Run(new Microsoft.Azure.Functions.Worker.TimerInfo(), Ct);
        var early = await host.Jobs.GetAsync(scanId, "v1", Ct);
        clock.Now = clock.Now.AddMinutes(2);
        var later = await host.Get<UploadReconciler>().RunAsync(Ct);

        Assert.Null(early);
        Assert.Contains(scanId, later.Resubmitted);
    }

    [Fact]
    public async Task An_upload_older_than_the_lookback_window_is_not_looked_up_again()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow.AddHours(3));
        await using var host = await TestHost.CreateAsync(azurite, new() { ["Intake:ReconcileLookbackHours"] = "1" }, clock: clock, ownStorageAccount: true);
        var scanId = ScanBytes.NewScanId();
        await host.UploadScanAsync($"{scanId}/scan.dcm", ScanBytes.Dicom());

        var sweep = await host.Get<UploadReconciler>().RunAsync(Ct);

        Assert.DoesNotContain(scanId, sweep.Resubmitted);
        Assert.Null(await host.Jobs.GetAsync(scanId, "v1", Ct));
    }

    [Fact]
    public async Task A_sweep_out_of_time_saves_its_place_and_the_next_sweeps_finish_the_pass_submitting_each_lost_upload_once()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow.AddMinutes(10));
        await using var host = await TestHost.CreateAsync(azurite, clock: clock, ownStorageAccount: true);
        var lost = new[] { ScanBytes.NewScanId(), ScanBytes.NewScanId(), ScanBytes.NewScanId() };
        foreach (var scanId in lost)
        {
            await host.UploadScanAsync($"{scanId}/scan.dcm", ScanBytes.Dicom());
        }

        // Size the pages so that a pass takes several sweeps, whatever else the container holds.
        var blobs = 0;
        await foreach (var _ in host.Blobs.GetBlobContainerClient(BlobLayout.ScansContainer).GetBlobsAsync(cancellationToken: Ct))
        {
            blobs++;
        }

        var reconciler = host.Get<UploadReconciler>();
        var sweeps = new List<ReconcileResult>();
        do
        {
            // A zero budget is spent after the first page of every sweep.
            sweeps.Add(await reconciler.RunAsync(TimeSpan.Zero, pageSize: Math.Max(1, blobs / 10), Ct));
        }
        while (!sweeps[^1].Complete && sweeps.Count < 100);

        Assert.True(sweeps[^1].Complete);
        Assert.InRange(sweeps.Count, 2, 100);
        Assert.All(sweeps[..^1], s => Assert.False(s.Complete));
        Assert.All(lost, scanId => Assert.Single(sweeps, s => s.Resubmitted.Contains(scanId)));
        Assert.All(lost, scanId => Assert.Single(host.Get<InMemoryScanJobPublisher>().Published, p => p.Job.ScanId == scanId));
        Assert.Null(await host.Get<SweepCursorStore>().GetAsync(SweepCursorStore.UploadReconciliation, Ct)); // the pass is over: the next one starts at the top
    }

    [Fact]
    public async Task A_saved_place_the_service_refuses_is_dropped_and_the_pass_starts_over()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow.AddMinutes(10));
        await using var host = await TestHost.CreateAsync(azurite, clock: clock, ownStorageAccount: true);
        var scanId = ScanBytes.NewScanId();
        await host.UploadScanAsync($"{scanId}/scan.dcm", ScanBytes.Dicom());
        const string staleMarker = "2!96!stale-marker";
        var cursors = host.Get<SweepCursorStore>();
        await cursors.SetAsync(SweepCursorStore.UploadReconciliation, staleMarker, Ct);
        var reconciler = new UploadReconciler(
            new MarkerCheckingBlobService(host.ConnectionString, staleMarker), host.Jobs, host.Get<ScanIntakeService>(), cursors,
            host.Get<IOptions<IntakeOptions>>(), clock, NullLogger<UploadReconciler>.Instance);

        var sweep = await reconciler.RunAsync(Ct);

        Assert.True(sweep.Complete);
        Assert.Contains(scanId, sweep.Resubmitted);
        Assert.Null(await cursors.GetAsync(SweepCursorStore.UploadReconciliation, Ct));
    }

    [Fact]
    public async Task An_upload_in_the_archive_tier_ends_failed_in_the_sweep_and_the_uploads_listed_after_it_are_still_reconciled()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow.AddMinutes(10));
        await using var host = await TestHost.CreateAsync(azurite, clock: clock, ownStorageAccount: true);
        // Listed in name order: the archived upload comes first.
        var archived = "0-" + ScanBytes.NewScanId();
        var lost = "z-" + ScanBytes.NewScanId();
        await host.Blobs.GetBlobContainerClient(BlobLayout.ScansContainer).GetBlobClient($"{archived}/scan.dcm")
            .UploadAsync(BinaryData.FromBytes(ScanBytes.Dicom()), new BlobUploadOptions { AccessTier = AccessTier.Archive }, Ct);
        await host.UploadScanAsync($"{lost}/scan.dcm", ScanBytes.Dicom());

        var first = await host.Get<UploadReconciler>().RunAsync(Ct);
        var second = await host.Get<UploadReconciler>().RunAsync(Ct);

        Assert.True(first.Complete);
        Assert.DoesNotContain(archived, first.Failed);
        Assert.Contains(lost, first.Resubmitted);
        var record = (await host.Jobs.GetAsync(archived, "v1", Ct))!;
        Assert.Equal(JobState.Failed, record.State);
        Assert.Equal(nameof(IntakeRejectionCode.Archived), record.ErrorCode);
        Assert.DoesNotContain(archived, second.Resubmitted); // a verdict on that version: not taken in again every sweep
        Assert.Single(host.Get<InMemoryScanJobPublisher>().Published, p => p.Job.ScanId == lost);
        Assert.DoesNotContain(host.Get<InMemoryScanJobPublisher>().Published, p => p.Job.ScanId == archived);
    }

    [Fact]
    public async Task An_upload_whose_intake_throws_is_passed_over_logged_by_scan_id_only_and_the_pass_goes_on_to_its_end()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow.AddMinutes(10));
        await using var host = await TestHost.CreateAsync(azurite, clock: clock, ownStorageAccount: true);
        var broken = "0-" + ScanBytes.NewScanId();
        var lost = "z-" + ScanBytes.NewScanId();
        var brokenFile = $"doe-john-{Guid.NewGuid():N}.dcm";
        await host.UploadScanAsync($"{broken}/{brokenFile}", ScanBytes.Dicom());
        await host.UploadScanAsync($"{lost}/scan.dcm", ScanBytes.Dicom());
        var log = new CapturingLogger<UploadReconciler>();
        var reconciler = new UploadReconciler(
            host.Blobs, new FailingReadJobStore(host.Jobs, broken, $"{broken}/{brokenFile}"), host.Get<ScanIntakeService>(), host.Get<SweepCursorStore>(),
            host.Get<IOptions<IntakeOptions>>(), clock, log);
        var blobs = 0;
        await foreach (var _ in host.Blobs.GetBlobContainerClient(BlobLayout.ScansContainer).GetBlobsAsync(cancellationToken: Ct))
        {
            blobs++;
        }

        // Paged as in the saved-place test above: the failing upload must not stop the sweeps from saving their place.
        var sweeps = new List<ReconcileResult>();
        do
        {
            sweeps.Add(await reconciler.RunAsync(TimeSpan.Zero, pageSize: Math.Max(1, blobs / 5), Ct));
        }
        while (!sweeps[^1].Complete && sweeps.Count < 100);

        Assert.True(sweeps[^1].Complete);
        Assert.Single(sweeps, s => s.Failed.Contains(broken));
        Assert.Single(sweeps, s => s.Resubmitted.Contains(lost));
        Assert.Null(await host.Get<SweepCursorStore>().GetAsync(SweepCursorStore.UploadReconciliation, Ct));
        Assert.Contains(log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains(broken, StringComparison.Ordinal) && e.Message.Contains("InternalError", StringComparison.Ordinal));
        Assert.DoesNotContain(log.Entries, e => e.Message.Contains(brokenFile, StringComparison.Ordinal));
    }
}
