namespace Synomaly.Imaging.Synthesis;

/// <summary>
/// A conservative brain mask for head slices that are not skull-stripped (the IXI T1 slices keep the scalp): the head is
/// the filled foreground above a fraction of the slice maximum, and eroding it by a margin removes scalp and skull, so
/// that inserted lesions land inside the brain. The margin is millimetres of anatomy: 12 pixels on the 1 mm slices every
/// published set was built from, <see cref="MarginPixels"/> on slices of another spacing.
/// </summary>
public static class BrainMaskEstimator
{
    /// <summary>The scalp-and-skull margin eroded away, millimetres: the 12 pixels of the 1 mm reference slices.</summary>
    public const double MarginMillimetres = 12;

    /// <summary>The margin in pixels of <paramref name="millimetresPerPixel"/>: 12 at 1 mm, 24 at 0.5 mm, 6 at 2 mm (at least 1).</summary>
    public static int MarginPixels(double millimetresPerPixel) =>
        millimetresPerPixel > 0 && double.IsFinite(millimetresPerPixel)
            ? Math.Max(1, (int)Math.Round(MarginMillimetres / millimetresPerPixel))
            : throw new ArgumentOutOfRangeException(nameof(millimetresPerPixel), millimetresPerPixel, "A pixel spacing is a positive number of millimetres.");

    /// <param name="erosionPixels">The margin in pixels: 12, the reference's 12 mm on 1 mm slices, unless <see cref="MarginPixels"/> gives another.</param>
    public static bool[] Estimate(ReadOnlySpan<float> image, int width, int height, double foregroundFraction = 0.12, int erosionPixels = 12)
    {
        float max = 0;
        foreach (var v in image)
        {
            max = Math.Max(max, v);
        }

        var foreground = new bool[width * height];
        float threshold = (float)(max * foregroundFraction);
        for (int p = 0; p < foreground.Length; p++)
        {
            foreground[p] = image[p] > threshold;
        }

        var head = FillHoles(foreground, width, height);
        return Erode(head, width, height, erosionPixels);
    }

    /// <summary>Background is what the image border reaches through non-foreground pixels; everything else is the head.</summary>
    private static bool[] FillHoles(bool[] foreground, int width, int height)
    {
        var outside = new bool[foreground.Length];
        var stack = new Stack<int>();
        for (int x = 0; x < width; x++)
        {
            stack.Push(x);
            stack.Push(x + (width * (height - 1)));
        }

        for (int y = 0; y < height; y++)
        {
            stack.Push(width * y);
            stack.Push(width - 1 + (width * y));
        }

        while (stack.Count > 0)
        {
            int p = stack.Pop();
            if (outside[p] || foreground[p])
            {
                continue;
            }

            outside[p] = true;
            int x = p % width, y = p / width;
            if (x > 0) { stack.Push(p - 1); }
            if (x < width - 1) { stack.Push(p + 1); }
            if (y > 0) { stack.Push(p - width); }
            if (y < height - 1) { stack.Push(p + width); }
        }

        return [.. outside.Select(o => !o)];
    }

    private static bool[] Erode(bool[] mask, int width, int height, int iterations)
    {
        var current = mask;
        for (int n = 0; n < iterations; n++)
        {
            var next = new bool[current.Length];
            for (int y = 1; y < height - 1; y++)
            {
                for (int x = 1; x < width - 1; x++)
                {
                    int p = x + (width * y);
                    next[p] = current[p] && current[p - 1] && current[p + 1] && current[p - width] && current[p + width];
                }
            }

            current = next;
        }

        return current;
    }
}
