namespace Synomaly.Imaging.Outputs;

/// <summary>
/// Which slices a montage shows when it cannot show them all: the most anomalous ones, so that a lesion on a few slices
/// of a long volume is never spread away. Shared by the worker's heatmap.png and <c>synomaly detect</c>'s.
/// </summary>
public static class MontageSlices
{
    /// <summary>
    /// Up to <paramref name="count"/> of <paramref name="slices"/>: those with the highest scores above 0 (ties: the lower
    /// slice first), then, where places are left, slices without findings spread evenly over the volume (a healthy scan
    /// shows its whole extent, not its first slices). Returned in slice order.
    /// </summary>
    public static IReadOnlyList<T> Choose<T>(IReadOnlyList<T> slices, Func<T, double> score, Func<T, int> sliceIndex, int count)
    {
        ArgumentNullException.ThrowIfNull(slices);
        ArgumentNullException.ThrowIfNull(score);
        ArgumentNullException.ThrowIfNull(sliceIndex);
        ArgumentOutOfRangeException.ThrowIfNegative(count);

        var flagged = slices.Where(s => score(s) > 0).OrderByDescending(score).ThenBy(sliceIndex).Take(count).ToList();
        var quiet = slices.Where(s => !(score(s) > 0)).OrderBy(sliceIndex).ToList();
        int places = Math.Min(count - flagged.Count, quiet.Count);
        var spread = Enumerable.Range(0, places).Select(k => quiet[(int)((long)k * quiet.Count / places)]);
        return [.. flagged.Concat(spread).OrderBy(sliceIndex)];
    }
}
