namespace Synomaly.Imaging.Presets;

/// <summary>Restricts an anomaly map to the imaged object (<see cref="ModelSlice.Foreground"/>), as the worker does before it serves a map.</summary>
public static class ForegroundMaps
{
    /// <summary>
    /// Clears every pixel of <paramref name="map"/> outside <paramref name="foreground"/>, in place, and returns the image
    /// score of what is left: its count of marked (non-zero) pixels, the engine's definition.
    /// </summary>
    public static long Restrict(float[] map, bool[] foreground)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(foreground);
        if (map.Length != foreground.Length)
        {
            throw new ArgumentException($"A map of {map.Length} pixels cannot be restricted to a foreground of {foreground.Length}.", nameof(foreground));
        }

        long marked = 0;
        for (int i = 0; i < map.Length; i++)
        {
            if (!foreground[i])
            {
                map[i] = 0;
            }

            marked += map[i] != 0 ? 1 : 0;
        }

        return marked;
    }
}
