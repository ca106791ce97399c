using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Synomaly.Imaging.Outputs;

namespace Synomaly.Imaging.Tests.Outputs;

public sealed class OverlayTests
{
    [Fact]
    public void Inferno_runs_from_near_black_to_pale_yellow_with_rising_brightness()
    {
        var colours = Enumerable.Range(0, 11).Select(i => Colormap.Inferno.Map(i / 10.0)).ToList();

        Assert.Equal(new Rgb24(0, 0, 4), colours[0]);
        Assert.Equal(new Rgb24(252, 255, 164), colours[^1]);
        var brightness = colours.Select(c => (0.299 * c.R) + (0.587 * c.G) + (0.114 * c.B)).ToList();
        Assert.True(brightness.Zip(brightness.Skip(1)).All(p => p.Second > p.First), "brightness rises monotonically");
        Assert.Equal(new Rgb24(0, 0, 128), Colormap.Jet.Map(0));
        Assert.Equal(new Rgb24(128, 0, 0), Colormap.Jet.Map(1));
    }

    [Fact]
    public void Grey_runs_linearly_from_black_to_white()
    {
        Assert.Equal(new Rgb24(0, 0, 0), Colormap.Grey.Map(0));
        Assert.Equal(new Rgb24(128, 128, 128), Colormap.Grey.Map(0.5));
        Assert.Equal(new Rgb24(255, 255, 255), Colormap.Grey.Map(1));
    }

    [Fact]
    public void Zero_map_shows_the_grey_image_and_the_maximum_blends_the_top_colour()
    {
        float[] grey = [0, 50, 100, 100];
        float[] map = [0, 0, 0, 2];

        using var image = HeatmapOverlay.Render(grey, map, 2, 2, new OverlayOptions { ColourBar = false, MaxAlpha = 0.5f });

        Assert.Equal((2, 2), (image.Width, image.Height));
        Assert.Equal(new Rgb24(0, 0, 0), image[0, 0]);
        Assert.Equal(new Rgb24(128, 128, 128), image[1, 0]);
        Assert.Equal(new Rgb24(255, 255, 255), image[0, 1]);
        var top = Colormap.Inferno.Map(1);
        Assert.Equal(new Rgb24((byte)Math.Round((255 + top.R) / 2.0), (byte)Math.Round((255 + top.G) / 2.0), (byte)Math.Round((255 + top.B) / 2.0)), image[1, 1]);
    }

    [Fact]
    public void A_slice_spanning_more_than_the_float_range_is_shown_from_black_to_white()
    {
        // The overlays show the scan as read: (v - low) / (high - low) overflowed to infinity / infinity, and every pixel
        // of such a scan was drawn black.
        float[] grey = [-3e38f, 0, 3e38f, 3e38f];
        float[] map = [0, 0, 0, 0];

        using var image = HeatmapOverlay.Render(grey, map, 2, 2, new OverlayOptions { ColourBar = false });

        Assert.Equal(new Rgb24(0, 0, 0), image[0, 0]);
        Assert.Equal(new Rgb24(128, 128, 128), image[1, 0]);
        Assert.Equal(new Rgb24(255, 255, 255), image[0, 1]);
    }

    [Fact]
    public void The_colour_bar_sits_right_of_the_image_with_its_scale()
    {
        var grey = new float[64 * 64];
        var map = Enumerable.Range(0, 64 * 64).Select(i => i / 4096f * 0.8f).ToArray();

        using var image = HeatmapOverlay.Render(grey, map, 64, 64, new OverlayOptions { PixelScale = 2, Colormap = Colormap.Jet });
        var png = HeatmapOverlay.RenderPng(grey, map, 64, 64);

        Assert.True(image.Width > 128 + 12);
        Assert.Equal(128, image.Height);
        Assert.Equal(Colormap.Jet.Map(1), image[128 + 6 + 3, 0]);
        Assert.Equal(Colormap.Jet.Map(0), image[128 + 6 + 3, 127]);
        using var decoded = Image.Load<Rgb24>(png);
        Assert.Equal(64, decoded.Height);
    }

    [Fact]
    public void Montage_tiles_overlays_in_a_near_square_grid()
    {
        var tiles = Enumerable.Range(0, 5).Select(i => new Image<Rgb24>(10, 8, new Rgb24((byte)(i * 40), 0, 0))).ToList();

        using var montage = Montage.Render(tiles);

        Assert.Equal((3 * 10) + 4, montage.Width);
        Assert.Equal((2 * 8) + 2, montage.Height);
        Assert.Equal(new Rgb24(160, 0, 0), montage[(1 * 12) + 5, (1 * 10) + 4]);
        tiles.ForEach(t => t.Dispose());
    }
}
