using Synomaly.Contracts;
using Synomaly.GpuWorker.Processing;
using Synomaly.GpuWorker.Status;
using Synomaly.GpuWorker.Tests.Support;

namespace Synomaly.GpuWorker.Tests;

/// <summary>The handler tests' job records keep JobStoreStatusSink's field rules, not only its transitions.</summary>
public sealed class InMemoryJobStatusSinkTests
{
    [Fact]
    public async Task The_attempt_count_only_grows_as_in_the_table()
    {
        var sink = new InMemoryJobStatusSink();
        var job = StubScanJob.For("scan-sink");
        sink.Queue(job);

        await sink.TryClaimAsync(job, new JobClaim(job.MessageId, 3), TestContext.Current.CancellationToken);
        await sink.MarkRetryingAsync(job, new JobClaim(job.MessageId, 2), "StorageUnavailable", "Storage answered 503.", TestContext.Current.CancellationToken);

        Assert.Equal(3, sink.Get(job.ScanId, job.ModelVersion)!.Attempt);
    }

    [Fact]
    public async Task A_job_failed_as_source_missing_forgets_its_source_as_in_the_table()
    {
        var sink = new InMemoryJobStatusSink();
        var job = StubScanJob.For("scan-sink");
        sink.Queue(job);

        await sink.TryMarkFailedAsync(job, new JobClaim(job.MessageId, 1), JobRejectedException.SourceMissing, "The source blob is gone.", TestContext.Current.CancellationToken);

        var record = sink.Get(job.ScanId, job.ModelVersion)!;
        Assert.Equal((JobState.Failed, JobRejectedException.SourceMissing), (record.State, record.ErrorCode));
        Assert.Null(record.SourceBlobUri);
    }
}
