using System.Diagnostics.Metrics;

namespace Synomaly.GpuWorker.Tests.Support;

/// <summary>Meters for one test, disposed with it.</summary>
internal sealed class TestMeterFactory : IMeterFactory
{
    private readonly List<Meter> meters = [];

    /// <summary>Whether this factory made the meter: other tests' workers publish instruments of the same name.</summary>
    public bool Made(Meter meter)
    {
        lock (meters)
        {
            return meters.Contains(meter);
        }
    }

    public Meter Create(MeterOptions options)
    {
        var meter = new Meter(options);
        lock (meters)
        {
            meters.Add(meter);
        }

        return meter;
    }

    public void Dispose()
    {
        foreach (var meter in meters)
        {
            meter.Dispose();
        }
    }
}
