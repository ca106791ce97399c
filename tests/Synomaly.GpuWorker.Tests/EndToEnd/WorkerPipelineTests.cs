using Synomaly.Contracts;
using Synomaly.Imaging.Outputs;
using Synomaly.Imaging.Reading;
using Synomaly.Storage.Messaging;
using Synomaly.Testing;

namespace Synomaly.GpuWorker.Tests.EndToEnd;

/// <summary>
/// The worker executable with the Storage Queue transport, the real readers, presets, engine and outputs and a tiny
/// random-weight model on CPU, against Azurite: what goes in through the intake's queue comes out as results and status.
/// </summary>
[Trait("Category", "Integration")]
public sealed class WorkerPipelineTests(AzuriteFixture azurite)
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(150);

    private static List<string> ExpectedResults(ScanJob job, int slices) =>
    [
        .. new[] { BlobLayout.AnomalyMapFile, BlobLayout.MaskFile, BlobLayout.CounterfactualFile, BlobLayout.HeatmapFile, BlobLayout.ReportFile }
            .Select(f => BlobLayout.ResultPath(job, f)),
        .. Enumerable.Range(0, slices).Select(z => BlobLayout.OverlayPath(job, z)),
    ];

    [Fact]
    public async Task An_upload_comes_out_as_results_in_source_geometry_and_a_succeeded_job_while_a_corrupt_one_fails_into_the_poison_queue()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var environment = await PipelineEnvironment.CreateAsync(azurite, cancellationToken);
        var good = await environment.SubmitAsync("e2e-good", SyntheticScans.HeadWithLesion(size: 40, depth: 3), cancellationToken);
        var corrupt = await environment.SubmitAsync("e2e-corrupt", [.. "this is not a medical image"u8], cancellationToken);
        await using var worker = WorkerProcess.Start(environment.WorkerSettings());

        var succeeded = await environment.WaitForAsync(good, r => r.State.IsTerminal(), JobTimeout, worker, cancellationToken);
        var failed = await environment.WaitForAsync(corrupt, r => r.State.IsTerminal(), JobTimeout, worker, cancellationToken);

        Assert.True(succeeded.State == JobState.Succeeded, $"{succeeded.State} {succeeded.ErrorCode} {succeeded.ErrorMessage}\n{worker.Output}");
        Assert.Equal(BlobLayout.ResultsPrefix(good), succeeded.ResultPrefix);
        Assert.Equal(ExpectedResults(good, 3).Order(StringComparer.Ordinal), (await environment.ResultNamesAsync(good.ScanId, cancellationToken)).Order(StringComparer.Ordinal));
        var report = ScanReportBuilder.FromJson((await environment.Results.GetBlobClient(BlobLayout.ResultPath(good, BlobLayout.ReportFile)).DownloadContentAsync(cancellationToken)).Value.Content.ToArray());
        Assert.Equal((good.ScanId, TinyModel.Version, 3), (report.ScanId, report.Model.Version, report.Slices.Count));
        Assert.Equal((40, 40, 3), (report.Grid.Width, report.Grid.Height, report.Grid.Depth));
        using var map = (await environment.Results.GetBlobClient(BlobLayout.ResultPath(good, BlobLayout.AnomalyMapFile)).DownloadContentAsync(cancellationToken)).Value.Content.ToStream();
        var mapVolume = ScanReader.Read(map);
        Assert.Equal((40, 40, 3), (mapVolume.Width, mapVolume.Height, mapVolume.Depth));

        Assert.Equal(JobState.Failed, failed.State);
        Assert.Equal("UnknownFormat", failed.ErrorCode);
        await environment.WaitUntilSettledAsync(poisoned: 1, TimeSpan.FromSeconds(30), cancellationToken);
        var poisoned = Assert.Single(await environment.PoisonMessagesAsync(cancellationToken));
        Assert.Equal(("UnknownFormat", corrupt.MessageId), (poisoned.Reason, StorageQueueMessageCodec.Decode(poisoned.Body).MessageId));
        Assert.Empty(await environment.ResultNamesAsync(corrupt.ScanId, cancellationToken));
        Assert.Equal(0, await environment.QueueLengthAsync(cancellationToken));
    }

    [Fact]
    public async Task An_archive_job_is_read_from_its_job_records_path_a_schema_1_message_still_runs_and_one_without_a_record_fails_typed()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var environment = await PipelineEnvironment.CreateAsync(azurite, cancellationToken);
        var archived = await environment.SubmitArchivedAsync("2024/Doe-Jane-e2e.nii.gz", SyntheticScans.HeadWithLesion(size: 40, depth: 2), withRecord: true, cancellationToken);
        var older = await environment.SubmitAsync("e2e-schema-1", SyntheticScans.HeadWithLesion(size: 40, depth: 2), cancellationToken, schemaVersion: 1);
        var unrecorded = await environment.SubmitArchivedAsync("2024/Roe-Rick-e2e.nii.gz", SyntheticScans.HeadWithLesion(size: 40, depth: 2), withRecord: false, cancellationToken);
        await using var worker = WorkerProcess.Start(environment.WorkerSettings());

        var fromRecord = await environment.WaitForAsync(archived, r => r.State.IsTerminal(), JobTimeout, worker, cancellationToken);
        var fromOlderMessage = await environment.WaitForAsync(older, r => r.State.IsTerminal(), JobTimeout, worker, cancellationToken);
        var unknown = await environment.WaitForAsync(unrecorded, r => r.State.IsTerminal(), JobTimeout, worker, cancellationToken);

        Assert.True(fromRecord.State == JobState.Succeeded, $"{fromRecord.State} {fromRecord.ErrorCode} {fromRecord.ErrorMessage}\n{worker.Output}");
        Assert.Equal(ExpectedResults(archived, 2).Order(StringComparer.Ordinal), (await environment.ResultNamesAsync(archived.ScanId, cancellationToken)).Order(StringComparer.Ordinal));
        Assert.True(fromOlderMessage.State == JobState.Succeeded, $"{fromOlderMessage.State} {fromOlderMessage.ErrorCode} {fromOlderMessage.ErrorMessage}\n{worker.Output}");
        Assert.Equal((JobState.Failed, "SourceUnknown", null), (unknown.State, unknown.ErrorCode, unknown.StartedAt));
        await environment.WaitUntilSettledAsync(poisoned: 1, TimeSpan.FromSeconds(30), cancellationToken);
        var poisoned = Assert.Single(await environment.PoisonMessagesAsync(cancellationToken));
        Assert.Equal(("SourceUnknown", unrecorded.MessageId), (poisoned.Reason, StorageQueueMessageCodec.Decode(poisoned.Body).MessageId));
        var deadLetter = Assert.Single(await environment.PoisonBodiesAsync(cancellationToken));
        Assert.DoesNotContain("Roe-Rick", deadLetter, StringComparison.Ordinal);
        Assert.DoesNotContain("Doe-Jane", worker.Output, StringComparison.Ordinal);
        Assert.Empty(await environment.ResultNamesAsync(unrecorded.ScanId, cancellationToken));
    }

    [Fact]
    public async Task A_worker_killed_in_the_middle_of_a_job_leaves_exactly_one_set_of_results_after_a_restart()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var environment = await PipelineEnvironment.CreateAsync(azurite, cancellationToken);
        const int Slices = 24;
        var job = await environment.SubmitAsync("e2e-killed", SyntheticScans.HeadWithLesion(size: 48, depth: Slices), cancellationToken);

        await using (var first = WorkerProcess.Start(environment.WorkerSettings(maxBatchSize: 2)))
        {
            var processing = await environment.WaitForAsync(job, r => r.State != JobState.Queued, JobTimeout, first, cancellationToken);
            Assert.Equal(JobState.Processing, processing.State);
            await first.KillAsync();
        }

        var afterKill = await environment.Jobs.GetAsync(job.ScanId, job.ModelVersion, cancellationToken);
        Assert.True(afterKill!.State == JobState.Processing, $"The job finished before the kill ({afterKill.State}); the test needs a longer job.");

        // The restarted worker must run the job in one delivery (attempt 2): a lock long enough not to lapse under load.
        await using var second = WorkerProcess.Start(environment.WorkerSettings(maxBatchSize: 8, lockSeconds: 60));
        var record = await environment.WaitForAsync(job, r => r.State.IsTerminal(), JobTimeout, second, cancellationToken);

        Assert.True(record.State == JobState.Succeeded, $"{record.State} {record.ErrorCode} {record.ErrorMessage}\n{second.Output}");
        Assert.Equal(2, record.Attempts);
        Assert.Equal(ExpectedResults(job, Slices).Order(StringComparer.Ordinal), (await environment.ResultNamesAsync(job.ScanId, cancellationToken)).Order(StringComparer.Ordinal));
        await environment.WaitUntilSettledAsync(poisoned: 0, TimeSpan.FromSeconds(30), cancellationToken);
        Assert.Empty(await environment.PoisonMessagesAsync(cancellationToken));
        Assert.Equal(0, await environment.QueueLengthAsync(cancellationToken));
    }

    [Fact]
    public async Task A_scan_erased_while_the_worker_runs_it_ends_with_no_results_and_its_message_completed()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var environment = await PipelineEnvironment.CreateAsync(azurite, cancellationToken);
        const int Slices = 24;
        var job = await environment.SubmitAsync("e2e-erased-" + Guid.NewGuid().ToString("N")[..8], SyntheticScans.HeadWithLesion(size: 48, depth: Slices), cancellationToken);
        await using var worker = WorkerProcess.Start(environment.WorkerSettings(maxBatchSize: 2));
        var processing = await environment.WaitForAsync(job, r => r.State != JobState.Queued, JobTimeout, worker, cancellationToken);
        Assert.True(processing.State == JobState.Processing, $"The job finished before the erasure ({processing.State}); the test needs a longer job.");

        // What DELETE /api/scans/{scanId} does, in its order: the tombstone first, then the blobs.
        var tombstone = await environment.Jobs.MarkDeletedAsync(processing, DateTimeOffset.UtcNow, cancellationToken);
        Assert.Equal(Storage.Jobs.JobWriteOutcome.Written, tombstone.Outcome);
        await environment.EraseBlobsAsync(job.ScanId, cancellationToken);

        var deadline = DateTimeOffset.UtcNow + JobTimeout;
        while (await environment.QueueLengthAsync(cancellationToken) > 0)
        {
            Assert.True(DateTimeOffset.UtcNow < deadline && !worker.HasExited, $"The message was not settled. Worker output:\n{worker.Output}");
            await Task.Delay(100, cancellationToken);
        }

        Assert.Empty(await environment.ResultNamesAsync(job.ScanId, cancellationToken));
        Assert.Empty(await environment.PoisonMessagesAsync(cancellationToken));
        var record = await environment.Jobs.GetAsync(job.ScanId, job.ModelVersion, cancellationToken);
        Assert.True(record!.IsDeleted, $"{record.State} {record.ErrorCode}");
    }
}
