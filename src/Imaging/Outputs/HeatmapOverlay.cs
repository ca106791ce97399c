using System.Globalization;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Synomaly.Imaging.Plots;

namespace Synomaly.Imaging.Outputs;

/// <summary>
/// Renders an anomaly map over its grey image: colour from the colormap, opacity proportional to the map value, and a
/// colour bar with its scale (0, middle, maximum) on the right.
/// </summary>
public static class HeatmapOverlay
{
    private const int BarGap = 6;
    private const int BarWidth = 12;
    private const int LabelGap = 4;

    public static Image<Rgb24> Render(ReadOnlySpan<float> grey, ReadOnlySpan<float> map, int width, int height, OverlayOptions? options = null)
    {
        options ??= new OverlayOptions();
        if (grey.Length != width * height || map.Length != width * height)
        {
            throw new ArgumentException($"Grey image and map must both hold {width * height} pixels.");
        }

        int scale = Math.Max(1, options.PixelScale);
        float max = options.ScaleMax ?? Math.Max(MaxOf(map), 1e-6f);
        var (low, high) = options.GreyWindow ?? (MinOf(grey), MaxOf(grey));
        string top = Format(max), middle = Format(max / 2), bottom = Format(0);
        int labelWidth = new[] { top, middle, bottom }.Max(s => BitmapFont.MeasureWidth(s));
        int barArea = options.ColourBar ? BarGap + BarWidth + LabelGap + labelWidth + BarGap : 0;
        int header = options.Label is null ? 0 : BitmapFont.GlyphHeight + 4;
        var image = new Image<Rgb24>((width * scale) + barArea, Math.Max((height * scale) + header, options.ColourBar ? 3 * BitmapFont.GlyphHeight : 0));

        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                int i = (y * width) + x;
                byte g = (byte)Math.Round(255 * Math.Clamp(high > low ? GreyFraction(grey[i], low, high) : 0, 0, 1));
                double t = Math.Clamp(map[i] / max, 0, 1);
                double alpha = options.MaxAlpha * t;
                var colour = options.Colormap.Map(t);
                var blended = new Rgb24(Blend(g, colour.R, alpha), Blend(g, colour.G, alpha), Blend(g, colour.B, alpha));
                for (int dy = 0; dy < scale; dy++)
                {
                    for (int dx = 0; dx < scale; dx++)
                    {
                        image[(x * scale) + dx, header + (y * scale) + dy] = blended;
                    }
                }
            }
        }

        if (options.Label is { } label)
        {
            BitmapFont.Draw(image, label, 2, 2, new Rgb24(255, 255, 255));
        }

        if (options.ColourBar)
        {
            DrawColourBar(image, options.Colormap, (width * scale) + BarGap, header, (height * scale) - 1, top, middle, bottom);
        }

        return image;
    }

    public static byte[] RenderPng(ReadOnlySpan<float> grey, ReadOnlySpan<float> map, int width, int height, OverlayOptions? options = null)
    {
        using var image = Render(grey, map, width, height, options);
        using var stream = new MemoryStream();
        image.SaveAsPng(stream);
        return stream.ToArray();
    }

    private static void DrawColourBar(Image<Rgb24> image, Colormap colormap, int x, int top, int bottom, string maxLabel, string midLabel, string zeroLabel)
    {
        var white = new Rgb24(255, 255, 255);
        int span = Math.Max(1, bottom - top);
        for (int y = top; y <= bottom; y++)
        {
            var colour = colormap.Map(1.0 - ((double)(y - top) / span));
            for (int dx = 0; dx < BarWidth; dx++)
            {
                image[x + dx, y] = colour;
            }
        }

        int labelX = x + BarWidth + LabelGap;
        int half = BitmapFont.GlyphHeight / 2;
        BitmapFont.Draw(image, maxLabel, labelX, top, white);
        BitmapFont.Draw(image, midLabel, labelX, ((top + bottom) / 2) - half, white);
        BitmapFont.Draw(image, zeroLabel, labelX, bottom - BitmapFont.GlyphHeight + 1, white);
    }

    /// <summary>
    /// Where <paramref name="value"/> lies between <paramref name="low"/> and <paramref name="high"/>, by the scaling's own
    /// differences (<see cref="FloatDifference"/>): a scan spanning more than the float range drew all black (infinity /
    /// infinity). Two finite float differences divided in double and rounded to float give the float quotient exactly.
    /// </summary>
    private static float GreyFraction(float value, float low, float high) =>
        (float)(FloatDifference.Of(value, low) / FloatDifference.Of(high, low));

    private static byte Blend(byte grey, byte colour, double alpha) => (byte)Math.Round((grey * (1 - alpha)) + (colour * alpha));

    private static string Format(float value) => value.ToString(value >= 100 ? "F0" : value >= 1 ? "0.##" : "0.###", CultureInfo.InvariantCulture);

    private static float MaxOf(ReadOnlySpan<float> values)
    {
        float max = float.NegativeInfinity;
        foreach (float v in values)
        {
            max = Math.Max(max, v);
        }

        return values.IsEmpty ? 0 : max;
    }

    private static float MinOf(ReadOnlySpan<float> values)
    {
        float min = float.PositiveInfinity;
        foreach (float v in values)
        {
            min = Math.Min(min, v);
        }

        return values.IsEmpty ? 0 : min;
    }
}
