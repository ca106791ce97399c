using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace Synomaly.Cli.Bench;

/// <summary>
/// Times repeated calls on a device. CUDA runs asynchronously, so the device is synchronised before the clock starts and
/// before it is read; the calls in between may queue freely (as the worker's batches do).
/// </summary>
public static class ThroughputMeter
{
    /// <param name="call">One call given its index (warm-up calls get negative indices); returns the items it processed.</param>
    public static Measurement Run(Device device, MeasureBudget budget, Func<int, long> call)
    {
        ArgumentNullException.ThrowIfNull(budget);
        ArgumentNullException.ThrowIfNull(call);
        for (int i = 0; i < budget.Warmup; i++)
        {
            call(-1 - i);
        }

        Synchronize(device);
        var clock = Stopwatch.StartNew();
        int calls = 0;
        long items = 0;
        while (budget.WantsMore(calls, clock.Elapsed.TotalSeconds))
        {
            items += call(calls);
            calls++;
        }

        Synchronize(device);
        return new Measurement(calls, items, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Waits for the device's queued work (torch.cuda.synchronize); nothing to wait for on a CPU.</summary>
    public static void Synchronize(Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (device.type == DeviceType.CUDA)
        {
            cuda.synchronize(device);
        }
    }
}
