using System.Globalization;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Synomaly.Imaging.Outputs;
using Synomaly.Imaging.Plots;

namespace Synomaly.Evaluation;

/// <summary>
/// A figure of evaluation cases, one row each: input, counterfactual (the reconstruction), heatmap (the product's overlay
/// of the output map on the input) and ground truth (outline of the inserted lesion over the input, predicted mask in
/// red), each row under its label (<see cref="RowLabel"/>). Images use the model's fixed [-1, 1] grey range and every heatmap one colour scale, the largest map value of the
/// figure's rows, drawn as a bar at the right: rows compare, and a faint map is not stretched to look like a lesion.
/// </summary>
public static class SampleGrid
{
    private const int Scale = 3;
    private const int Header = 16;
    private const int BarGap = 8;
    private const int BarWidth = 12;
    private const int LabelGap = 4;

    /// <summary>The strip over each row that holds its label.</summary>
    private const int RowLabelHeight = BitmapFont.GlyphHeight + 4;

    private static readonly Rgb24 Ink = new(0, 0, 0);

    /// <summary>The grid of <paramref name="rows"/>, each under its label from <paramref name="labels"/> (none drawn without them).</summary>
    public static Image<Rgb24> Render(IReadOnlyList<CaseOutcome> rows, IReadOnlyList<string>? labels = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (labels is not null && labels.Count != rows.Count)
        {
            throw new ArgumentException($"{labels.Count} row labels for {rows.Count} rows.", nameof(labels));
        }

        int size = rows.Count == 0 ? 64 : (int)Math.Round(Math.Sqrt(rows[0].Map.Length));
        int cell = size * Scale;
        // One scale for every row: each row stretched to its own maximum would show a few false-alarm pixels as brightly
        // as a whole lesion.
        float scaleMax = Math.Max(rows.Count == 0 ? 0 : rows.Max(o => o.Map.Length == 0 ? 0 : o.Map.Max()), 1e-6f);
        var heatmapStyle = new OverlayOptions { PixelScale = Scale, ColourBar = false, GreyWindow = (-1f, 1f), ScaleMax = scaleMax };
        string[] barLabels = [Format(scaleMax), Format(scaleMax / 2), Format(0)];
        int gridWidth = (cell * 4) + 4;
        int barLeft = gridWidth + BarGap;
        int width = barLeft + BarWidth + LabelGap + barLabels.Max(l => BitmapFont.MeasureWidth(l)) + BarGap;
        var image = new Image<Rgb24>(width, RowTop(Math.Max(rows.Count, 1), size), new Rgb24(255, 255, 255));
        string[] titles = ["INPUT", "COUNTERFACTUAL", "HEATMAP", "TRUTH (GREEN) / PRED (RED)"];
        for (int c = 0; c < 4; c++)
        {
            BitmapFont.Draw(image, titles[c], (c * (cell + 1)) + 2, 4, Ink);
        }

        BitmapFont.Draw(image, "MAP", barLeft, 4, Ink);
        DrawColourBar(image, barLeft, RowTop(0, size), RowTop(0, size) + cell - 1, barLabels);

        for (int r = 0; r < rows.Count; r++)
        {
            var o = rows[r];
            using var heatmap = HeatmapOverlay.Render(o.Case.Input, o.Map, size, size, heatmapStyle);
            int top = RowTop(r, size);
            if (labels is not null)
            {
                BitmapFont.Draw(image, labels[r], 2, top - RowLabelHeight + 2, Ink);
            }

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

    /// <summary>
    /// How a row is named in the figure: a synthesized lesion by its case id (<c>lesion-&lt;seed&gt;</c>, as in cases.csv and the
    /// set's manifest); any other case by its 1-based data row in cases.csv, because its id is built from its file's name,
    /// which can name the patient, and the figure is what gets pasted into slides and papers.
    /// </summary>
    public static string RowLabel(EvaluationCase evaluationCase, int casesCsvRow)
    {
        ArgumentNullException.ThrowIfNull(evaluationCase);
        return evaluationCase.Lesion is not null ? evaluationCase.Id : string.Create(CultureInfo.InvariantCulture, $"cases.csv row {casesCsvRow}");
    }

    /// <summary>The y of row <paramref name="row"/>'s images (past the header and the label strips above them).</summary>
    internal static int RowTop(int row, int size) => Header + RowLabelHeight + (row * (RowLabelHeight + (size * Scale) + 1));

    /// <summary>The heatmap's colormap from the shared maximum (top) to 0 (bottom), labelled at both ends and the middle.</summary>
    private static void DrawColourBar(Image<Rgb24> image, int x, int top, int bottom, string[] labels)
    {
        int span = Math.Max(1, bottom - top);
        for (int y = top; y <= bottom; y++)
        {
            var colour = Colormap.Inferno.Map(1.0 - ((double)(y - top) / span));
            for (int dx = 0; dx < BarWidth; dx++)
            {
                image[x + dx, y] = colour;
            }
        }

        int labelX = x + BarWidth + LabelGap;
        BitmapFont.Draw(image, labels[0], labelX, top, Ink);
        BitmapFont.Draw(image, labels[1], labelX, ((top + bottom) / 2) - (BitmapFont.GlyphHeight / 2), Ink);
        BitmapFont.Draw(image, labels[2], labelX, bottom - BitmapFont.GlyphHeight + 1, Ink);
    }

    private static string Format(float value) => value.ToString(value >= 100 ? "F0" : value >= 1 ? "0.##" : "0.###", CultureInfo.InvariantCulture);

    private static Rgb24 Grey(float value) => Colormap.Grey.Map((value + 1) / 2);

    private static Rgb24 Blend(Rgb24 a, Rgb24 b, double alpha) =>
        new((byte)((a.R * (1 - alpha)) + (b.R * alpha)), (byte)((a.G * (1 - alpha)) + (b.G * alpha)), (byte)((a.B * (1 - alpha)) + (b.B * alpha)));

    private static bool IsEdge(bool[] mask, int p, int size)
    {
        int x = p % size, y = p / size;
        return x == 0 || y == 0 || x == size - 1 || y == size - 1 || !mask[p - 1] || !mask[p + 1] || !mask[p - size] || !mask[p + size];
    }
}
