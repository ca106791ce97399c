namespace Synomaly.Cli.Bench;

/// <summary>One timed measurement: calls made, items (images or slices) processed and wall time after device synchronisation.</summary>
public sealed record Measurement(int Calls, long Items, double Seconds)
{
    public double ItemsPerSecond => Seconds > 0 ? Items / Seconds : double.NaN;
}
