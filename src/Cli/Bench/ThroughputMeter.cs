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
    /// <param name="callsFinishOnHost">
    /// Whether a call has finished when it returns (true on a CPU, and for calls that copy results to the host): then each
    /// call is timed too and the median call time is reported. Forward passes on CUDA only queue work, so they are not.
    /// </param>
    /// <param name="cancellationToken">Checked before every call, so a cancelled bench stops within one call rather than one measurement.</param>
    public static Measurement Run(Device device, MeasureBudget budget, Func<int, long> call, bool callsFinishOnHost = true, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(budget);
        ArgumentNullException.ThrowIfNull(call);
        for (int i = 0; i < budget.Warmup; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            call(-1 - i);
        }

        Synchronize(device);
        var callTimes = new List<double>();
        var clock = Stopwatch.StartNew();
        long items = 0;
        while (budget.WantsMore(callTimes.Count, clock.Elapsed.TotalSeconds))
        {
            cancellationToken.ThrowIfCancellationRequested();
            double start = clock.Elapsed.TotalSeconds;
            items += call(callTimes.Count);
            callTimes.Add(clock.Elapsed.TotalSeconds - start);
        }

        Synchronize(device);
        double total = clock.Elapsed.TotalSeconds;
        bool timedOneByOne = callsFinishOnHost || device.type != DeviceType.CUDA;
        return new Measurement(callTimes.Count, items, total, timedOneByOne ? Median(callTimes) : null);
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        int middle = values.Count / 2;
        return values.Count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
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
