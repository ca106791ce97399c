using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Synomaly.Imaging.Outputs;
using Synomaly.Imaging.Plots;

namespace Synomaly.Evaluation;

/// <summary>
/// A figure of evaluation cases, one row each: input, counterfactual (the reconstruction), heatmap (the product's overlay
/// of the continuous map on the input) and ground truth (outline of the inserted lesion over the input, predicted mask in
/// red). Images use the model's fixed [-1, 1] grey range, so rows compare.
/// </summary>
public static class SampleGrid
{
    private const int Scale = 3;
    private const int Header = 16;

    /// <summary>The heatmap column as detect and the worker draw it (inferno, opacity rising with the map), without the bar.</summary>
    private static readonly OverlayOptions HeatmapStyle = new() { PixelScale = Scale, ColourBar = false, GreyWindow = (-1f, 1f) };

    public static Image<Rgb24> Render(IReadOnlyList<CaseOutcome> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        int size = rows.Count == 0 ? 64 : (int)Math.Round(Math.Sqrt(rows[0].Map.Length));
        int cell = size * Scale;
        var image = new Image<Rgb24>((cell * 4) + 5, Header + (Math.Max(rows.Count, 1) * (cell + 1)), new Rgb24(255, 255, 255));
        string[] titles = ["INPUT", "COUNTERFACTUAL", "HEATMAP", "TRUTH/PRED"];
        for (int c = 0; c < 4; c++)
        {
            BitmapFont.Draw(image, titles[c], (c * (cell + 1)) + 2, 4, new Rgb24(0, 0, 0));
        }

        for (int r = 0; r < rows.Count; r++)
        {
            var o = rows[r];
            using var heatmap = HeatmapOverlay.Render(o.Case.Input, o.Map, size, size, HeatmapStyle);
            int top = Header + (r * (cell + 1));
            for (int y = 0; y < cell; y++)
            {
                for (int x = 0; x < cell; x++)
                {
                    int p = (x / Scale) + (size * (y / Scale));
                    var grey = Grey(o.Case.Input[p]);
                    image[x, top + y] = grey;
                    image[cell + 1 + x, top + y] = Grey(o.Reconstruction[p]);
                    image[(2 * (cell + 1)) + x, top + y] = heatmap[x, y];
                    bool truthEdge = o.Case.Truth[p] && IsEdge(o.Case.Truth, p, size);
                    var truthCell = o.Map[p] != 0 ? Blend(grey, new Rgb24(230, 30, 30), 0.5) : grey;
                    image[(3 * (cell + 1)) + x, top + y] = truthEdge ? new Rgb24(40, 220, 40) : truthCell;
                }
            }
        }

        return image;
    }

    private static Rgb24 Grey(float value) => Colormap.Grey.Map((value + 1) / 2);

    private static Rgb24 Blend(Rgb24 a, Rgb24 b, double alpha) =>
        new((byte)((a.R * (1 - alpha)) + (b.R * alpha)), (byte)((a.G * (1 - alpha)) + (b.G * alpha)), (byte)((a.B * (1 - alpha)) + (b.B * alpha)));

    private static bool IsEdge(bool[] mask, int p, int size)
    {
        int x = p % size, y = p / size;
        return x == 0 || y == 0 || x == size - 1 || y == size - 1 || !mask[p - 1] || !mask[p + 1] || !mask[p - size] || !mask[p + size];
    }
}
