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
}
