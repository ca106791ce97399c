using SixLabors.ImageSharp.PixelFormats;
using Synomaly.Imaging.Plots;

namespace Synomaly.Imaging.Tests.Plots;

public sealed class LinePlotTests
{
    [Fact]
    public void A_series_is_drawn_in_its_colour_between_its_points()
    {
        var red = new Rgb24(214, 39, 40);
        var plot = new LinePlot { Title = "ROC", XRange = (0, 1), YRange = (0, 1), Width = 400, Height = 300 };
        using var image = plot.Render([new PlotSeries("model", [(0, 0), (1, 1)], red)]);
        // The plot area spans left = 66 .. right = 380 and top = 34 .. bottom = 244; the midpoint of the diagonal is red.
        int cx = (66 + 380) / 2, cy = (34 + 244) / 2;
        bool found = false;
        for (int dy = -2; dy <= 2 && !found; dy++)
        {
            for (int dx = -2; dx <= 2 && !found; dx++)
            {
                found = image[cx + dx, cy + dy].Equals(red);
            }
        }

        Assert.True(found);
        // Nothing red far from the line (top-left of the plot area, away from the legend).
        Assert.NotEqual(red, image[80, 230]);
    }

    [Fact]
    public void A_legend_asked_for_at_the_bottom_is_drawn_there_clear_of_a_roc_curve_s_top_right()
    {
        var green = new Rgb24(44, 160, 44);
        var roc = new PlotSeries("adaptive AUROC 0.873", [], green);
        static bool GreenIn(SixLabors.ImageSharp.Image<Rgb24> image, int top, int bottom, Rgb24 colour)
        {
            for (int y = top; y < bottom; y++)
            {
                for (int x = image.Width / 2; x < image.Width; x++)
                {
                    if (image[x, y].Equals(colour))
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        using var atTop = new LinePlot { Title = "ROC", XRange = (0, 1), YRange = (0, 1) }.Render([roc]);
        using var atBottom = new LinePlot { Title = "ROC", XRange = (0, 1), YRange = (0, 1), LegendAtBottom = true }.Render([roc]);

        // The series has no points: its only pixels are its legend key. Plot area 34 .. 424 at the default 480 height.
        Assert.True(GreenIn(atTop, 34, 229, green));
        Assert.False(GreenIn(atBottom, 34, 229, green));
        Assert.True(GreenIn(atBottom, 229, 424, green));
    }

    [Fact]
    public void Text_renders_glyph_pixels_and_measures_consistently()
    {
        using var image = new SixLabors.ImageSharp.Image<Rgb24>(60, 20, new Rgb24(255, 255, 255));
        BitmapFont.Draw(image, "AUC", 1, 1, new Rgb24(0, 0, 0));
        Assert.Equal(17, BitmapFont.MeasureWidth("AUC"));
        int dark = 0;
        for (int y = 0; y < image.Height; y++)
        {
            for (int x = 0; x < image.Width; x++)
            {
                dark += image[x, y].R == 0 ? 1 : 0;
            }
        }

        // 'A' has 18 set pixels, 'U' 15, 'C' 13 in the 5x7 font.
        Assert.Equal(46, dark);
        Assert.Equal(0, image[20, 1].R == 0 ? 1 : 0);
    }
}
