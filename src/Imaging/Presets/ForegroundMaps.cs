namespace Synomaly.Imaging.Presets;

/// <summary>
/// Restricts an anomaly map to the imaged object (<see cref="ModelSlice.Foreground"/>): what the worker serves, and what
/// evaluate and tune measure by default, so both go through this one definition.
/// </summary>
public static class ForegroundMaps
{
    /// <summary>A copy of <paramref name="map"/> with every pixel outside <paramref name="foreground"/> cleared.</summary>
    public static float[] Restricted(float[] map, bool[] foreground)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(foreground);
        if (map.Length != foreground.Length)
        {
            throw new ArgumentException($"A map of {map.Length} pixels cannot be restricted to a foreground of {foreground.Length}.", nameof(foreground));
        }

        var restricted = new float[map.Length];
        for (int i = 0; i < map.Length; i++)
        {
            restricted[i] = foreground[i] ? map[i] : 0f;
        }

        return restricted;
    }

    /// <summary>The image score of a map: its count of marked (non-zero) pixels, the engine's definition.</summary>
    public static long MarkedPixels(ReadOnlySpan<float> map)
    {
        long marked = 0;
        foreach (float v in map)
        {
            marked += v != 0 ? 1 : 0;
        }

        return marked;
    }
}
