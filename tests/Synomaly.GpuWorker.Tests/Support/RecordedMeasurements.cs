using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Synomaly.GpuWorker.Telemetry;

namespace Synomaly.GpuWorker.Tests.Support;

/// <summary>Every measurement of the worker's instruments made by one test's meters, with its tags.</summary>
internal sealed class RecordedMeasurements : IDisposable
{
    private readonly ConcurrentQueue<Measurement> measurements = new();
    private readonly MeterListener listener = new();

    public RecordedMeasurements(TestMeterFactory meters)
    {
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == WorkerTelemetry.Name && meters.Made(instrument.Meter))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Add(instrument, value, tags));
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
        listener.Start();
    }

    /// <summary>The measurements of one instrument, in the order they were made.</summary>
    public IReadOnlyList<Measurement> Of(string instrument) => [.. measurements.Where(m => m.Instrument == instrument)];

    public void Dispose() => listener.Dispose();

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copied = new Dictionary<string, object?>();
        foreach (var tag in tags)
        {
            copied[tag.Key] = tag.Value;
        }

        measurements.Enqueue(new Measurement(instrument.Name, value, copied));
    }

    public sealed record Measurement(string Instrument, double Value, IReadOnlyDictionary<string, object?> Tags);
}
