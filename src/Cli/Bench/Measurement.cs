namespace Synomaly.Cli.Bench;

/// <summary>
/// One timed measurement: calls made, items (images or slices) processed and wall time after device synchronisation.
/// <see cref="MedianCallSeconds"/> is the median duration of one call where calls finish on the host before the next
/// starts (every CPU call; detector calls on CUDA, which copy results to the host); it is robust to load spikes from other
/// processes, while <see cref="ItemsPerSecond"/> is the plain total rate.
/// </summary>
public sealed record Measurement(int Calls, long Items, double Seconds, double? MedianCallSeconds = null)
{
    public double ItemsPerSecond => Seconds > 0 ? Items / Seconds : double.NaN;

    /// <summary>Items per call divided by the median call time; null when calls were not timed one by one.</summary>
    public double? MedianItemsPerSecond => MedianCallSeconds is > 0 and double median ? Items / (double)Calls / median : null;
}
