using System.Diagnostics.Metrics;
using Synomaly.GpuWorker.Inference;
using Synomaly.GpuWorker.Telemetry;
using Synomaly.GpuWorker.Tests.Support;

namespace Synomaly.GpuWorker.Tests;

public sealed class WorkerTelemetryTests
{
    [Fact]
    public async Task A_batched_model_call_records_its_size_its_time_and_the_slices_run()
    {
        using var meters = new TestMeterFactory();
        using var telemetry = new WorkerTelemetry(meters);
        var recorded = new System.Collections.Concurrent.ConcurrentQueue<(string Name, double Value)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == WorkerTelemetry.Name && meters.Made(instrument.Meter))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<int>((instrument, value, _, _) => recorded.Enqueue((instrument.Name, value)));
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => recorded.Enqueue((instrument.Name, value)));
        listener.SetMeasurementEventCallback<double>((instrument, value, _, _) => recorded.Enqueue((instrument.Name, value)));
        listener.Start();
        var model = new FakeSliceInference();
        // The batch window runs on a clock only the test moves: both jobs share it however long the machine takes between them.
        var time = new ManualTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using (var batcher = new SliceBatcher(_ => Task.FromResult<ISliceInference>(model), 8, TimeSpan.FromMilliseconds(200), telemetry, time))
        {
            var slice = new float[16];
            var jobs = Task.WhenAll(
                batcher.InferAsync([slice, slice], "default", TestContext.Current.CancellationToken),
                batcher.InferAsync([slice], "default", TestContext.Current.CancellationToken));
            await time.RunTimersUntilAsync(jobs, TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
            await jobs.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        }

        Assert.Equal(3, recorded.Single(r => r.Name == "synomaly.worker.batch_size").Value);
        Assert.Equal(3, recorded.Single(r => r.Name == "synomaly.worker.slices").Value);
        Assert.True(recorded.Single(r => r.Name == "synomaly.worker.model_time").Value >= 0);
    }
}
