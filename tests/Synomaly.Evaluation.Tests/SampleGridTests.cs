using SixLabors.ImageSharp.PixelFormats;
using Synomaly.Diffusion.Metrics;
using Synomaly.Imaging.Outputs;

namespace Synomaly.Evaluation.Tests;

public sealed class SampleGridTests
{
    private const int Size = 8;
    private const int Cell = Size * 3;
    private static readonly int Top = SampleGrid.RowTop(0, Size);

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
        Assert.Equal(Colormap.Grey.Map(0), grid[0, Top]);
        Assert.Equal(Colormap.Grey.Map(1), grid[Cell - 1, Top]);
        // Heatmap column: untouched grey where the map is 0, the overlay's inferno blend where it is largest.
        int heatmapLeft = 2 * (Cell + 1);
        Assert.Equal(grid[0, Top], grid[heatmapLeft, Top]);
        using var expected = HeatmapOverlay.Render(input, map, Size, Size, new OverlayOptions { ColourBar = false, GreyWindow = (-1f, 1f) });
        Assert.Equal(expected[3, 3], grid[heatmapLeft + (3 * 3) + 1, Top + (3 * 3) + 1]);
        Assert.NotEqual(grid[(3 * 3) + 1, Top + (3 * 3) + 1], grid[heatmapLeft + (3 * 3) + 1, Top + (3 * 3) + 1]);
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
        Rgb24 At(int row, int px, int py) => grid[heatmapLeft + (px * 3) + 1, SampleGrid.RowTop(row, Size) + (py * 3) + 1];
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

    [Fact]
    public void Each_row_of_the_written_grid_names_its_case_by_id_or_cases_csv_row_but_never_by_a_file_name()
    {
        byte[] Grid(string anomalousId, bool given)
        {
            var input = new float[Size * Size];
            var truth = new bool[Size * Size];
            truth[(3 * Size) + 3] = true;
            var lesion = given ? null : new Synomaly.Imaging.Synthesis.LesionParameters
            {
                Seed = 7, ShapeKind = "procedural", FlipHorizontal = false, RotationDegrees = 0, Scale = 1, CentreX = 3, CentreY = 3,
                Model = Synomaly.Imaging.Synthesis.IntensityModel.Hypointense, TargetIntensity = 10, Area = 1,
            };
            var metrics = new ImageMetrics(1, 1, 1, 1, 0, 1, 0, 0, 1);
            var anomalous = new CaseOutcome(new EvaluationCase(anomalousId, "sub-A_T1w.png", input, truth, lesion, given ? "mask.png" : null), new float[Size * Size], new float[Size * Size], input, 0, 1, metrics);
            var healthy = new CaseOutcome(new EvaluationCase("healthy-sub-B", "sub-B_T1w.png", input, new bool[Size * Size], null), new float[Size * Size], new float[Size * Size], input, 0, 1, metrics);
            var result = EvaluationResult.From("adaptive", Synomaly.Diffusion.Inference.InferenceOptions.Adaptive(200, 5, 0.15), [healthy, anomalous]);
            using var scratch = new Synomaly.Testing.ScratchDirectory("sample-grid-labels");
            EvaluationReport.Write(scratch.Location, [result], "test");
            return File.ReadAllBytes(Path.Combine(scratch.Location, "samples.png"));
        }

        // A synthesized lesion's id (its seed) names its row, so the row can be found in cases.csv...
        Assert.NotEqual(Grid("lesion-500000", given: false), Grid("lesion-500001", given: false));
        // ...while a given scan's id is built from its file name, which may name the patient: the row gives its place instead.
        Assert.Equal(Grid("anomalous-Smith_John", given: true), Grid("anomalous-Doe_Jane", given: true));
        Assert.Equal(["lesion-500000", "cases.csv row 4"], [
            SampleGrid.RowLabel(new EvaluationCase("lesion-500000", "s", [], [], LesionOf()), 2),
            SampleGrid.RowLabel(new EvaluationCase("anomalous-Smith_John", "s", [], [], null, "mask.png"), 4)]);
    }

    private static Synomaly.Imaging.Synthesis.LesionParameters LesionOf() => new()
    {
        Seed = 7, ShapeKind = "procedural", FlipHorizontal = false, RotationDegrees = 0, Scale = 1, CentreX = 3, CentreY = 3,
        Model = Synomaly.Imaging.Synthesis.IntensityModel.Hypointense, TargetIntensity = 10, Area = 1,
    };
}
