using System.Globalization;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Synomaly.Imaging.Plots;

/// <summary>
/// A small line-plot renderer to PNG (loss curves, ROC and precision-recall curves): axes with ticks and labels, a title,
/// a legend, optional fixed ranges. Deterministic output with the built-in <see cref="BitmapFont"/>.
/// </summary>
public sealed class LinePlot
{
    private const int Margin = 56;
    private static readonly Rgb24 White = new(255, 255, 255);
    private static readonly Rgb24 Black = new(20, 20, 20);
    private static readonly Rgb24 Grid = new(225, 225, 225);

    public static readonly Rgb24[] Palette = [new(31, 119, 180), new(214, 39, 40), new(44, 160, 44), new(255, 127, 14), new(148, 103, 189), new(140, 86, 75)];

    public required string Title { get; init; }

    public string XLabel { get; init; } = "";

    public string YLabel { get; init; } = "";

    public (double Min, double Max)? XRange { get; init; }

    public (double Min, double Max)? YRange { get; init; }

    /// <summary>Draw the y = x diagonal (chance line of a ROC plot).</summary>
    public bool Diagonal { get; init; }

    /// <summary>
    /// Draw the legend in the bottom-right corner instead of the top-right: a ROC curve runs through the top right to (1, 1)
    /// and its legend was drawn across it there, while the bottom right is where it never goes above the chance line.
    /// </summary>
    public bool LegendAtBottom { get; init; }

    public int Width { get; init; } = 640;

    public int Height { get; init; } = 480;

    public Image<Rgb24> Render(IReadOnlyList<PlotSeries> series)
    {
        ArgumentNullException.ThrowIfNull(series);
        var image = new Image<Rgb24>(Width, Height, White);
        var (xMin, xMax) = XRange ?? Range(series.SelectMany(s => s.Points).Select(p => p.X));
        var (yMin, yMax) = YRange ?? Range(series.SelectMany(s => s.Points).Select(p => p.Y));
        int left = Margin + 10, right = Width - 20, top = 34, bottom = Height - Margin;
        int Px(double x) => left + (int)Math.Round((x - xMin) / (xMax - xMin) * (right - left));
        int Py(double y) => bottom - (int)Math.Round((y - yMin) / (yMax - yMin) * (bottom - top));

        for (int i = 0; i <= 5; i++)
        {
            double xv = xMin + ((xMax - xMin) * i / 5), yv = yMin + ((yMax - yMin) * i / 5);
            DrawLine(image, Px(xv), top, Px(xv), bottom, Grid);
            DrawLine(image, left, Py(yv), right, Py(yv), Grid);
            string xt = Format(xv), yt = Format(yv);
            BitmapFont.Draw(image, xt, Px(xv) - (BitmapFont.MeasureWidth(xt) / 2), bottom + 6, Black);
            BitmapFont.Draw(image, yt, left - 6 - BitmapFont.MeasureWidth(yt), Py(yv) - 3, Black);
        }

        DrawLine(image, left, bottom, right, bottom, Black);
        DrawLine(image, left, top, left, bottom, Black);
        if (Diagonal)
        {
            DrawLine(image, Px(xMin), Py(yMin), Px(xMax), Py(yMax), new Rgb24(160, 160, 160));
        }

        foreach (var s in series)
        {
            for (int i = 1; i < s.Points.Count; i++)
            {
                DrawLine(image, Px(s.Points[i - 1].X), Py(s.Points[i - 1].Y), Px(s.Points[i].X), Py(s.Points[i].Y), s.Colour, thick: true);
            }
        }

        BitmapFont.Draw(image, Title, (Width - BitmapFont.MeasureWidth(Title, 2)) / 2, 8, Black, 2);
        BitmapFont.Draw(image, XLabel, (left + right - BitmapFont.MeasureWidth(XLabel)) / 2, Height - 22, Black);
        BitmapFont.Draw(image, YLabel, 4, top - 14, Black);
        int legendY = LegendAtBottom ? bottom - 8 - (14 * series.Count) : top + 8;
        foreach (var s in series)
        {
            int legendX = right - BitmapFont.MeasureWidth(s.Name) - 30;
            DrawLine(image, legendX, legendY + 3, legendX + 18, legendY + 3, s.Colour, thick: true);
            BitmapFont.Draw(image, s.Name, legendX + 24, legendY, Black);
            legendY += 14;
        }

        return image;
    }

    private static (double, double) Range(IEnumerable<double> values)
    {
        var finite = values.Where(double.IsFinite).ToList();
        if (finite.Count == 0)
        {
            return (0, 1);
        }

        double min = finite.Min(), max = finite.Max();
        if (max - min < 1e-12)
        {
            return (min - 0.5, max + 0.5);
        }

        double pad = (max - min) * 0.05;
        return (min - pad, max + pad);
    }

    private static string Format(double v) =>
        Math.Abs(v) >= 1000 ? v.ToString("0", CultureInfo.InvariantCulture)
        : Math.Abs(v) >= 10 ? v.ToString("0.#", CultureInfo.InvariantCulture)
        : v.ToString("0.###", CultureInfo.InvariantCulture);

    private static void DrawLine(Image<Rgb24> image, int x0, int y0, int x1, int y1, Rgb24 colour, bool thick = false)
    {
        int dx = Math.Abs(x1 - x0), dy = -Math.Abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1, err = dx + dy;
        while (true)
        {
            Plot(image, x0, y0, colour);
            if (thick)
            {
                Plot(image, x0 + 1, y0, colour);
                Plot(image, x0, y0 + 1, colour);
            }

            if (x0 == x1 && y0 == y1)
            {
                break;
            }

            int e2 = 2 * err;
            if (e2 >= dy)
            {
                err += dy;
                x0 += sx;
            }

            if (e2 <= dx)
            {
                err += dx;
                y0 += sy;
            }
        }
    }

    private static void Plot(Image<Rgb24> image, int x, int y, Rgb24 colour)
    {
        if (x >= 0 && y >= 0 && x < image.Width && y < image.Height)
        {
            image[x, y] = colour;
        }
    }
}
