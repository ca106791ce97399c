using SixLabors.ImageSharp.PixelFormats;
using Synomaly.Diffusion.Metrics;
using Synomaly.Imaging.Outputs;

namespace Synomaly.Evaluation.Tests;

public sealed class SampleGridTests
{
    private const int Size = 8;
    private const int Cell = Size * 3;
    private const int Header = 16;

    [Fact]
    public void The_grid_shows_grey_images_and_the_products_heatmap_overlay()
    {
        var input = Enumerable.Range(0, Size * Size).Select(i => ((i % Size) / (Size - 1f) * 2) - 1).ToArray();
        var map = new float[Size * Size];
        map[(3 * Size) + 3] = 2;
        map[(3 * Size) + 4] = 1;
        var truth = map.Select(v => v > 0).ToArray();
        var outcome = new CaseOutcome(
            new EvaluationCase("c", "s", input, truth, null), map, map, input, 2, 1, new ImageMetrics(1, 1, 1, 1, 0, 1, 0, 0, 1));

        using var grid = SampleGrid.Render([outcome]);

        // Input column: the model range [-1, 1] on the grey ramp (left edge black, right edge white).
        Assert.Equal(Colormap.Grey.Map(0), grid[0, Header]);
        Assert.Equal(Colormap.Grey.Map(1), grid[Cell - 1, Header]);
        // Heatmap column: untouched grey where the map is 0, the overlay's inferno blend where it is largest.
        int heatmapLeft = 2 * (Cell + 1);
        Assert.Equal(grid[0, Header], grid[heatmapLeft, Header]);
        using var expected = HeatmapOverlay.Render(input, map, Size, Size, new OverlayOptions { ColourBar = false, GreyWindow = (-1f, 1f) });
        Assert.Equal(expected[3, 3], grid[heatmapLeft + (3 * 3) + 1, Header + (3 * 3) + 1]);
        Assert.NotEqual(grid[(3 * 3) + 1, Header + (3 * 3) + 1], grid[heatmapLeft + (3 * 3) + 1, Header + (3 * 3) + 1]);
    }

    [Fact]
    public void Every_row_s_heatmap_uses_one_scale_so_a_faint_map_does_not_look_as_strong_as_a_lesion()
    {
        var input = new float[Size * Size];
        var strong = new float[Size * Size];
        strong[(3 * Size) + 3] = 2;
        strong[(3 * Size) + 4] = 0.5f;
        var faint = new float[Size * Size];
        faint[(3 * Size) + 4] = 0.5f;
        var truth = new bool[Size * Size];
        var metrics = new ImageMetrics(1, 1, 1, 1, 0, 1, 0, 0, 1);
        CaseOutcome Row(string id, float[] map) => new(new EvaluationCase(id, "s", input, truth, null), map, map, input, 1, 1, metrics);

        using var grid = SampleGrid.Render([Row("strong", strong), Row("faint", faint)]);

        // Drawn each to its own maximum, the faint row's 0.5 would take the full colour of the strong row's 2.
        int heatmapLeft = 2 * (Cell + 1);
        Rgb24 At(int row, int px, int py) => grid[heatmapLeft + (px * 3) + 1, Header + (row * (Cell + 1)) + (py * 3) + 1];
        Assert.Equal(At(0, 4, 3), At(1, 4, 3));
        Assert.NotEqual(At(0, 3, 3), At(1, 4, 3));
    }

    [Fact]
    public void The_heatmap_s_colour_scale_is_drawn_beside_the_grid()
    {
        var input = new float[Size * Size];
        var map = new float[Size * Size];
        map[10] = 1.5f;
        var outcome = new CaseOutcome(new EvaluationCase("c", "s", input, new bool[Size * Size], null), map, map, input, 1, 1, new ImageMetrics(1, 1, 1, 1, 0, 1, 0, 0, 1));

        using var grid = SampleGrid.Render([outcome]);

        // Right of the four columns: a bar running from the colormap's top colour to its bottom one.
        var right = new List<Rgb24>();
        for (int x = (4 * (Cell + 1)) + 1; x < grid.Width; x++)
        {
            for (int y = 0; y < grid.Height; y++)
            {
                right.Add(grid[x, y]);
            }
        }

        Assert.Contains(Colormap.Inferno.Map(1), right);
        Assert.Contains(Colormap.Inferno.Map(0), right);
    }
}
