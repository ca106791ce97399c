using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Synomaly.Imaging.Plots;

namespace Synomaly.Evaluation;

/// <summary>
/// A figure of evaluation cases, one row each: input, counterfactual (the reconstruction), heatmap (continuous map over
/// the input) and ground truth (outline of the inserted lesion over the input, predicted mask in red).
/// </summary>
public static class SampleGrid
{
    private const int Scale = 3;
    private const int Header = 16;

    public static Image<Rgb24> Render(IReadOnlyList<CaseOutcome> rows)
    {
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
            float mapMax = Math.Max(1e-6f, o.Map.Max());
            int top = Header + (r * (cell + 1));
            for (int y = 0; y < cell; y++)
            {
                for (int x = 0; x < cell; x++)
                {
                    int p = (x / Scale) + (size * (y / Scale));
                    var grey = Grey(o.Case.Input[p]);
                    image[x, top + y] = grey;
                    image[cell + 1 + x, top + y] = Grey(o.Reconstruction[p]);
                    image[(2 * (cell + 1)) + x, top + y] = Blend(grey, Heat(o.Map[p] / mapMax), o.Map[p] > 0 ? 0.65 : 0);
                    bool truthEdge = o.Case.Truth[p] && IsEdge(o.Case.Truth, p, size);
                    var truthCell = o.Map[p] != 0 ? Blend(grey, new Rgb24(230, 30, 30), 0.5) : grey;
                    image[(3 * (cell + 1)) + x, top + y] = truthEdge ? new Rgb24(40, 220, 40) : truthCell;
                }
            }
        }

        return image;
    }

    private static Rgb24 Grey(float value)
    {
        byte v = (byte)Math.Clamp((int)Math.Round((value + 1) * 127.5), 0, 255);
        return new Rgb24(v, v, v);
    }

    /// <summary>A black-red-yellow-white ramp ("hot").</summary>
    private static Rgb24 Heat(double v)
    {
        v = Math.Clamp(v, 0, 1);
        return new Rgb24((byte)(255 * Math.Min(1, v * 3)), (byte)(255 * Math.Clamp((v * 3) - 1, 0, 1)), (byte)(255 * Math.Clamp((v * 3) - 2, 0, 1)));
    }

    private static Rgb24 Blend(Rgb24 a, Rgb24 b, double alpha) =>
        new((byte)((a.R * (1 - alpha)) + (b.R * alpha)), (byte)((a.G * (1 - alpha)) + (b.G * alpha)), (byte)((a.B * (1 - alpha)) + (b.B * alpha)));

    private static bool IsEdge(bool[] mask, int p, int size)
    {
        int x = p % size, y = p / size;
        return x == 0 || y == 0 || x == size - 1 || y == size - 1 || !mask[p - 1] || !mask[p + 1] || !mask[p - size] || !mask[p + size];
    }
}
