namespace Synomaly.Imaging.Presets;

/// <summary>A rectangle of whole pixels in a slice (x, y of the top-left corner; rows grow downwards).</summary>
public readonly record struct PixelRect(int X, int Y, int Width, int Height)
{
    public static PixelRect Full(int width, int height) => new(0, 0, width, height);

    /// <summary>This rectangle grown by <paramref name="factor"/> about its centre and clamped to a width x height image.</summary>
    public PixelRect Expand(double factor, int width, int height)
    {
        double cx = X + (Width / 2.0), cy = Y + (Height / 2.0);
        double w = Width * factor, h = Height * factor;
        int x0 = Math.Clamp((int)Math.Floor(cx - (w / 2)), 0, width - 1);
        int y0 = Math.Clamp((int)Math.Floor(cy - (h / 2)), 0, height - 1);
        int x1 = Math.Clamp((int)Math.Ceiling(cx + (w / 2)), x0 + 1, width);
        int y1 = Math.Clamp((int)Math.Ceiling(cy + (h / 2)), y0 + 1, height);
        return new PixelRect(x0, y0, x1 - x0, y1 - y0);
    }
}
