namespace Synomaly.Imaging.Presets;

/// <summary>
/// The imaged object as a solid region: the pixels above a threshold plus every hole they enclose.
/// <para>
/// A bare threshold is not enough for an anomaly map's foreground. Inside a T1 head, cerebrospinal fluid and hypointense
/// lesions (stroke, necrosis) are as dark as the air around the head, so thresholding alone cuts them out, and the map
/// would be blanked exactly where a dark lesion is. Only the dark pixels that connect to the image border (4-connected)
/// are background; dark pixels enclosed by the object belong to it.
/// </para>
/// </summary>
public static class SolidObjectMask
{
    /// <summary>
    /// The pixels above <paramref name="fraction"/> of the way from the minimum to the maximum, with enclosed holes filled.
    /// A flat image has no object.
    /// </summary>
    public static bool[] AboveFraction(ReadOnlySpan<float> pixels, int width, double fraction)
    {
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        foreach (float v in pixels)
        {
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }

        if (!(max > min))
        {
            return new bool[pixels.Length];
        }

        // Model input spans [-1, 1], but any float image may come here: a span beyond the float range must not overflow.
        return Above(pixels, width, min + (FloatDifference.Of(max, min) * fraction));
    }

    /// <summary>The pixels above <paramref name="threshold"/>, with enclosed holes filled.</summary>
    public static bool[] Above(ReadOnlySpan<float> pixels, int width, double threshold)
    {
        var mask = new bool[pixels.Length];
        for (int i = 0; i < pixels.Length; i++)
        {
            mask[i] = pixels[i] > threshold;
        }

        return FillHoles(mask, width);
    }

    /// <summary>
    /// <paramref name="mask"/> (row-major, <paramref name="width"/> pixels per row) with every unset region that does not
    /// touch the border set.
    /// </summary>
    public static bool[] FillHoles(bool[] mask, int width)
    {
        ArgumentNullException.ThrowIfNull(mask);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        if (mask.Length % width != 0)
        {
            throw new ArgumentException($"A mask of {mask.Length} pixels is not whole rows of {width}.", nameof(mask));
        }

        int height = mask.Length / width;
        var outside = new bool[mask.Length];
        var pending = new Stack<int>();
        void Visit(int index)
        {
            if (!mask[index] && !outside[index])
            {
                outside[index] = true;
                pending.Push(index);
            }
        }

        for (int x = 0; x < width; x++)
        {
            Visit(x);
            Visit(((height - 1) * width) + x);
        }

        for (int y = 0; y < height; y++)
        {
            Visit(y * width);
            Visit((y * width) + width - 1);
        }

        while (pending.TryPop(out int index))
        {
            int x = index % width, y = index / width;
            if (x > 0)
            {
                Visit(index - 1);
            }

            if (x < width - 1)
            {
                Visit(index + 1);
            }

            if (y > 0)
            {
                Visit(index - width);
            }

            if (y < height - 1)
            {
                Visit(index + width);
            }
        }

        var solid = new bool[mask.Length];
        for (int i = 0; i < solid.Length; i++)
        {
            solid[i] = !outside[i];
        }

        return solid;
    }
}
