using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Synomaly.GpuWorker.Telemetry;

/// <summary>
/// The worker's traces and metrics. Tags carry the scan id, reasons and counts only: never file names or patient data.
/// One instance per process (a DI singleton); the meter comes from IMeterFactory so tests can listen to their own.
/// </summary>
public sealed class WorkerTelemetry : IDisposable
{
    public const string Name = "Synomaly.GpuWorker";

    private readonly Meter meter;
    private readonly Histogram<double> queueWait;
    private readonly Histogram<int> batchSize;
    private readonly Histogram<double> modelTime;
    private readonly Histogram<double> slicesPerSecond;
    private readonly Counter<long> slices;
    private readonly Counter<long> jobs;
    private readonly Counter<long> failures;

    public WorkerTelemetry(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        meter = meterFactory.Create(Name);
        queueWait = meter.CreateHistogram<double>("synomaly.worker.queue_wait", "s", "Time from enqueue to the first receive of a ScanJob.");
        batchSize = meter.CreateHistogram<int>("synomaly.worker.batch_size", "{slice}", "Slices in one model call.");
        modelTime = meter.CreateHistogram<double>("synomaly.worker.model_time", "s", "Duration of one batched model call.");
        slicesPerSecond = meter.CreateHistogram<double>("synomaly.worker.slices_per_second", "{slice}/s", "Throughput of one batched model call.");
        slices = meter.CreateCounter<long>("synomaly.worker.slices", "{slice}", "Slices run through the model.");
        jobs = meter.CreateCounter<long>("synomaly.worker.jobs", "{job}", "Jobs handled, by outcome.");
        failures = meter.CreateCounter<long>("synomaly.worker.failures", "{job}", "Failed job attempts by reason: retried, or final (once for each job or message that ends failed).");
    }

    public static ActivitySource Source { get; } = new(Name);

    public void RecordQueueWait(TimeSpan wait) => queueWait.Record(Math.Max(0, wait.TotalSeconds));

    public void RecordBatch(int size, TimeSpan elapsed)
    {
        batchSize.Record(size);
        modelTime.Record(elapsed.TotalSeconds);
        slices.Add(size);
        if (elapsed > TimeSpan.Zero)
        {
            slicesPerSecond.Record(size / elapsed.TotalSeconds);
        }
    }

    public void RecordOutcome(string outcome) => jobs.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void RecordFailure(string reason, bool final) =>
        failures.Add(1, new KeyValuePair<string, object?>("reason", reason), new KeyValuePair<string, object?>("final", final));

    public void Dispose() => meter.Dispose();
}
