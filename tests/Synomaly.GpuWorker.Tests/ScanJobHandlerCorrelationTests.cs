using System.Collections.Concurrent;
using System.Diagnostics;
using Synomaly.Contracts;
using Synomaly.GpuWorker.Messaging;
using Synomaly.GpuWorker.Processing;
using Synomaly.GpuWorker.Telemetry;
using Synomaly.GpuWorker.Tests.Support;

namespace Synomaly.GpuWorker.Tests;

/// <summary>
/// What joins the worker's telemetry to the intake's: the job's correlation id (an upload's scan id, a bulk run's id) on
/// every line of the job and on its span (docs/WORKER.md, "Joining intake and worker telemetry").
/// </summary>
public sealed class ScanJobHandlerCorrelationTests
{
    private const string RunId = "r-0123456789abcdef0123456789abcdef";

    [Fact]
    public async Task Every_line_of_a_job_and_its_span_carry_the_correlation_id_of_its_run()
    {
        await using var harness = new WorkerHarness();
        var log = new RecordingLogger<ScanJobHandler>();
        using var spans = new JobSpans();
        var job = harness.AddJob("scan-of-a-run", FakeScanCodec.Scan(1, 0.5f)) with { CorrelationId = RunId };

        Assert.Equal(JobOutcome.Succeeded, await HandleAsync(harness, log, job));

        var line = Assert.Single(log.Entries);
        Assert.Equal("Scan scan-of-a-run succeeded: 1 slices", line.Message);
        Assert.Equal(new Dictionary<string, object?> { ["ScanId"] = "scan-of-a-run", ["CorrelationId"] = RunId }, line.Scope);
        Assert.Equal(RunId, spans.Of("scan-of-a-run").GetTagItem("synomaly.correlation_id"));
    }

    [Fact]
    public async Task A_correlation_id_that_is_not_an_opaque_id_is_left_out_of_the_lines_and_the_span()
    {
        await using var harness = new WorkerHarness();
        var log = new RecordingLogger<ScanJobHandler>();
        using var spans = new JobSpans();
        // The serializer does not check the correlation id: one holding a file name must not be exported with every line.
        var job = harness.AddJob("scan-odd-correlation", FakeScanCodec.Scan(1, 0.5f)) with { CorrelationId = "archive/Jane Doe head.nii.gz" };

        Assert.Equal(JobOutcome.Succeeded, await HandleAsync(harness, log, job));

        Assert.Equal(new Dictionary<string, object?> { ["ScanId"] = "scan-odd-correlation" }, Assert.Single(log.Entries).Scope);
        Assert.Null(spans.Of("scan-odd-correlation").GetTagItem("synomaly.correlation_id"));
    }

    private static async Task<JobOutcome> HandleAsync(WorkerHarness harness, RecordingLogger<ScanJobHandler> log, ScanJob job)
    {
        var source = new InMemoryScanJobSource();
        source.Enqueue(BinaryData.FromBytes(ScanJobSerializer.Serialize(job)), job.MessageId);
        var delivery = await source.ReceiveAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken) ?? throw new InvalidOperationException("No message was received.");
        return await harness.CreateHandler(harness.Status, log).HandleAsync(delivery, CancellationToken.None);
    }

    /// <summary>The worker's finished spans, by scan: other tests' workers write spans of the same source at the same time.</summary>
    private sealed class JobSpans : IDisposable
    {
        private readonly ConcurrentQueue<Activity> stopped = new();
        private readonly ActivityListener listener;

        public JobSpans()
        {
            listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name == WorkerTelemetry.Name,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = stopped.Enqueue,
            };
            ActivitySource.AddActivityListener(listener);
        }

        public Activity Of(string scanId) => Assert.Single(stopped, a => (string?)a.GetTagItem("synomaly.scan_id") == scanId);

        public void Dispose() => listener.Dispose();
    }
}
