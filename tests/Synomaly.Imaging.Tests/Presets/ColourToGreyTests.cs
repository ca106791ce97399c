using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using Synomaly.Imaging.Images;
using Synomaly.Imaging.Presets;
using Synomaly.Imaging.Reading;
using Synomaly.Imaging.Volumes;

namespace Synomaly.Imaging.Tests.Presets;

/// <summary>
/// A colour frame becomes grey as the reference of its modality reads it: the carotid-ultrasound reference takes the
/// first channel of cv2.imread (blue, ALGORITHM.md 4.4); the brain MRI and CT presets keep BT.601 luminance.
/// </summary>
public sealed class ColourToGreyTests
{
    private const int Size = 24;

    [Fact]
    public void The_ultrasound_preset_reads_a_colour_frame_by_its_blue_channel_by_default()
    {
        var colour = ColourFrame();

        var prepared = Assert.Single(new UltrasoundPreset { ModelSize = 16 }.Prepare(colour, TestContext.Current.CancellationToken).Slices);

        var fromBlue = Assert.Single(new UltrasoundPreset { ModelSize = 16 }.Prepare(Grey(colour, colour.BlueChannel!), TestContext.Current.CancellationToken).Slices);
        var fromLuminance = Assert.Single(new UltrasoundPreset { ModelSize = 16 }.Prepare(Grey(colour, colour.Voxels), TestContext.Current.CancellationToken).Slices);
        Assert.Equal(fromBlue.Pixels, prepared.Pixels);
        Assert.NotEqual(fromLuminance.Pixels, prepared.Pixels);
    }

    [Fact]
    public void The_ultrasound_preset_reads_luminance_when_asked()
    {
        var colour = ColourFrame();
        var preset = new UltrasoundPreset { ModelSize = 16, ColourToGrey = ColourToGrey.Luminance };

        var prepared = Assert.Single(preset.Prepare(colour, TestContext.Current.CancellationToken).Slices);

        Assert.Equal(Assert.Single(preset.Prepare(Grey(colour, colour.Voxels), TestContext.Current.CancellationToken).Slices).Pixels, prepared.Pixels);
    }

    [Fact]
    public void The_prepared_ultrasound_scan_keeps_the_volume_as_read()
    {
        var colour = ColourFrame();

        Assert.Same(colour, new UltrasoundPreset { ModelSize = 16 }.Prepare(colour, TestContext.Current.CancellationToken).Source);
    }

    [Fact]
    public void The_brain_and_ct_presets_keep_luminance()
    {
        var colour = ColourFrame();
        var luminance = Grey(colour, colour.Voxels);

        IModalityPreset[] presets = [new BrainMriPreset { ModelSize = 16 }, new CtPreset { ModelSize = 16, WindowLowHu = 0, WindowHighHu = 255 }];
        foreach (var preset in presets)
        {
            var fromColour = preset.Prepare(colour, TestContext.Current.CancellationToken).Slices;
            var fromLuminance = preset.Prepare(luminance, TestContext.Current.CancellationToken).Slices;
            Assert.NotEmpty(fromColour);
            Assert.Equal(fromLuminance.Select(s => s.Pixels), fromColour.Select(s => s.Pixels));
        }
    }

    [Fact]
    public void A_blue_channel_of_another_size_than_the_voxels_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => new Volume(new float[4], 2, 2, 1, VolumeGeometry.Unit(), Modality.Unknown, ColourFrame().Provenance) { BlueChannel = new float[3] });

        Assert.Contains("blue channel holds 3 values", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A colour PNG whose blue channel is not a rescaling of its luminance: red rises along x, blue along y.</summary>
    private static Volume ColourFrame()
    {
        using var image = new Image<Rgb24>(Size, Size);
        for (int y = 0; y < Size; y++)
        {
            for (int x = 0; x < Size; x++)
            {
                image[x, y] = new Rgb24((byte)(40 + (8 * x)), 120, (byte)(30 + (9 * y)));
            }
        }

        using var png = new MemoryStream();
        image.Save(png, new PngEncoder());
        png.Position = 0;
        return RasterImageReader.Read(png, ScanReadLimits.Default, TestContext.Current.CancellationToken);
    }

    private static Volume Grey(Volume colour, float[] voxels) =>
        new(voxels, colour.Width, colour.Height, colour.Depth, colour.Geometry, colour.Modality, colour.Provenance);
}
