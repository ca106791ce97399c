using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Synomaly.Contracts;
using Synomaly.Imaging.Synthesis;
using Synomaly.Imaging.Volumes;
using Synomaly.Testing;

namespace Synomaly.Imaging.Tests.Synthesis;

public sealed class LesionSynthesizerTests
{
    private static (float[] Pixels, int Width, int Height) LoadIxiSlice(int index)
    {
        var files = Directory.GetFiles(Path.Combine(TestPaths.Data, "brain-mri-ixi-t1", "val"), "*.png").Order(StringComparer.Ordinal).ToArray();
        using var image = Image.Load<L8>(files[index]);
        var pixels = new float[image.Width * image.Height];
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (int x = 0; x < row.Length; x++)
                {
                    pixels[x + (image.Width * y)] = row[x].PackedValue;
                }
            }
        });
        return (pixels, image.Width, image.Height);
    }

    /// <summary>A lesion map on a grid offset by 8 voxels from the slice grid, as the shared MNI data are.</summary>
    private static Volume SquareLesionMap()
    {
        const int n = 40;
        var voxels = new float[n * n * 3];
        for (int z = 0; z < 3; z++)
        {
            for (int y = 10; y < 20; y++)
            {
                for (int x = 5; x < 12; x++)
                {
                    voxels[x + (n * (y + (n * z)))] = 1;
                }
            }
        }

        double[] affine = [1, 0, 0, -90, 0, 1, 0, -126, 0, 0, 1, 0, 0, 0, 0, 1];
        return new Volume(voxels, n, n, 3, new VolumeGeometry(1, 1, 1, affine), Modality.MR, new VolumeProvenance { Format = ScanFormat.Nifti });
    }

    [Fact]
    public void Mask_is_exactly_the_set_of_changed_pixels_for_every_model_and_shape_kind()
    {
        var (pixels, width, height) = LoadIxiSlice(0);
        var realShapes = RealLesionShapes.FromLesionMap(SquareLesionMap(), SliceGrid.Ixi(width, height));
        var synthesizer = new LesionSynthesizer(realShapes, new SynthesisOptions());
        var kinds = new HashSet<string>();
        var models = new HashSet<IntensityModel>();
        for (int seed = 0; seed < 30; seed++)
        {
            var result = synthesizer.Synthesize(pixels, width, height, seed);
            for (int p = 0; p < pixels.Length; p++)
            {
                Assert.Equal(result.Image[p] != pixels[p], result.Mask[p]);
            }

            Assert.Equal(result.Parameters.Area, result.Mask.Count(m => m));
            kinds.Add(result.Parameters.ShapeKind);
            models.Add(result.Parameters.Model);
        }

        Assert.Equal(2, kinds.Count);
        Assert.Equal(3, models.Count);
    }

    [Fact]
    public void Lesions_stay_inside_the_estimated_brain()
    {
        var (pixels, width, height) = LoadIxiSlice(3);
        var brain = BrainMaskEstimator.Estimate(pixels, width, height);
        var synthesizer = new LesionSynthesizer([], new SynthesisOptions());
        for (int seed = 100; seed < 110; seed++)
        {
            var result = synthesizer.Synthesize(pixels, width, height, seed);
            Assert.All(Enumerable.Range(0, pixels.Length).Where(p => result.Mask[p]), p => Assert.True(brain[p]));
        }

        // The brain mask excludes the image border and the scalp ring, and covers a plausible part of the slice.
        double fraction = brain.Count(b => b) / (double)brain.Length;
        Assert.InRange(fraction, 0.2, 0.7);
        Assert.False(brain[0]);
    }

    [Fact]
    public void Lesions_stay_inside_a_region_the_caller_gives_and_the_brain_is_that_region_by_default()
    {
        // Another organ's region (here the left half of the brain): every lesion pixel must lie in it.
        var (pixels, width, height) = LoadIxiSlice(3);
        var brain = BrainMaskEstimator.Estimate(pixels, width, height);
        var leftHalf = brain.Select((inside, p) => inside && p % width < width / 2).ToArray();
        var synthesizer = new LesionSynthesizer([], new SynthesisOptions());
        for (int seed = 200; seed < 210; seed++)
        {
            var result = synthesizer.Synthesize(pixels, width, height, seed, leftHalf);
            Assert.All(Enumerable.Range(0, pixels.Length).Where(p => result.Mask[p]), p => Assert.True(leftHalf[p], $"seed {seed}: pixel {p} is outside the region"));
            Assert.Equal(synthesizer.Synthesize(pixels, width, height, seed).Image, synthesizer.Synthesize(pixels, width, height, seed, brain).Image);
        }
    }

    [Fact]
    public void A_lesion_too_large_for_every_position_in_a_thin_region_is_shrunk_until_it_fits()
    {
        // A 10x10 pixel organ: procedural radii of 4 to 16 pixels fit nowhere at their drawn size.
        var (pixels, width, height) = LoadIxiSlice(3);
        var region = Enumerable.Range(0, pixels.Length).Select(p => p % width is >= 90 and < 100 && p / width is >= 110 and < 120).ToArray();
        var synthesizer = new LesionSynthesizer([], new SynthesisOptions { PlacementAttempts = 2000 });

        var result = synthesizer.Synthesize(pixels, width, height, 7, region);

        Assert.InRange(result.Parameters.Area, 1, 100);
        Assert.True(result.Parameters.Scale < 1, "the shape should have been shrunk");
        Assert.All(Enumerable.Range(0, pixels.Length).Where(p => result.Mask[p]), p => Assert.True(region[p]));
    }

    [Fact]
    public void The_same_seed_rebuilds_the_same_case_and_another_seed_does_not()
    {
        var (pixels, width, height) = LoadIxiSlice(1);
        var synthesizer = new LesionSynthesizer([], new SynthesisOptions());
        var a = synthesizer.Synthesize(pixels, width, height, 42);
        var b = synthesizer.Synthesize(pixels, width, height, 42);
        var c = synthesizer.Synthesize(pixels, width, height, 43);
        Assert.Equal(a.Image, b.Image);
        Assert.Equal(a.Parameters, b.Parameters);
        Assert.NotEqual(a.Image, c.Image);
    }

    [Fact]
    public void Real_shapes_are_resampled_through_the_affines_not_by_index()
    {
        // The slice grid's origin is 8 mm below the map's in x and y, so the 7x10 square keeps its size.
        var grid = new SliceGrid(60, 60, -98, -134, 1, 1, 1, RowsUp: true);
        var shapes = RealLesionShapes.FromLesionMap(SquareLesionMap(), grid, minimumArea: 1);
        Assert.Equal(3, shapes.Count);
        Assert.All(shapes, s => Assert.Equal((7, 10, 70), (s.Width, s.Height, s.Area)));

        // On a 0.5 mm grid the 7x10 mm square covers twice the pixels each way; resampling by index would keep 7x10. (The
        // grid is moved by a quarter millimetre so that no sample falls on a voxel boundary.)
        var fine = RealLesionShapes.FromLesionMap(SquareLesionMap(), grid with { OriginX = -97.75, OriginY = -133.75, SpacingX = 0.5, SpacingY = 0.5 }, minimumArea: 1);
        Assert.All(fine, s => Assert.Equal((14, 20, 280), (s.Width, s.Height, s.Area)));
    }

    [Fact]
    public void A_slice_s_recorded_spacing_sets_the_shape_grid_and_a_png_gets_the_ixi_grid()
    {
        // The same head at 1 mm (200x230 pixels) and at 0.5 mm (400x460).
        static Volume Slice(ScanFormat format, double spacing) => new(
            new float[(int)(200 / spacing) * (int)(230 / spacing)], (int)(200 / spacing), (int)(230 / spacing), 1,
            new VolumeGeometry(spacing, spacing, 1, [spacing, 0, 0, 0, 0, spacing, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]),
            Modality.MR, new VolumeProvenance { Format = format });

        Assert.Equal(SliceGrid.Ixi(400, 460), SliceGrid.For(Slice(ScanFormat.Png, 0.5)));   // PNG records no spacing
        Assert.Equal((-98.0, -134.0), (SliceGrid.Ixi().OriginX, SliceGrid.Ixi().OriginY));
        var fine = SliceGrid.For(Slice(ScanFormat.Nifti, 0.5));
        Assert.Equal((0.5, 0.5), (fine.SpacingX, fine.SpacingY));
        Assert.Equal((0.0, -18.0), (fine.OriginX + (399 * 0.5 / 2), fine.OriginY + (459 * 0.5 / 2)));   // centred as the IXI grid

        // The same lesion map gives shapes of about four times the area on the 0.5 mm slice.
        var atOneMm = RealLesionShapes.FromLesionMap(SquareLesionMap(), SliceGrid.For(Slice(ScanFormat.Nifti, 1)), minimumArea: 1);
        var atHalfMm = RealLesionShapes.FromLesionMap(SquareLesionMap(), fine, minimumArea: 1);
        Assert.Equal(3, atOneMm.Count);
        Assert.Equal(3, atHalfMm.Count);
        Assert.InRange(atHalfMm[0].Area / (double)atOneMm[0].Area, 3, 5.5);   // about 4; samples on voxel borders round either way
    }

    [Fact]
    public void Transform_preserves_area_roughly_and_flip_mirrors()
    {
        var shape = ProceduralShapeGenerator.Generate(new Random(7), 10);
        var scaled = new ShapeTransform(false, 0, 2).Apply(shape);
        Assert.InRange(scaled.Area / (double)shape.Area, 3.6, 4.4);
        var flipped = new ShapeTransform(true, 0, 1).Apply(shape);
        Assert.Equal(shape.Area, flipped.Area);
        Assert.Equal(shape.Width, flipped.Width);
        for (int y = 0; y < shape.Height; y++)
        {
            for (int x = 0; x < shape.Width; x++)
            {
                Assert.Equal(shape[x, y], flipped[shape.Width - 1 - x, y]);
            }
        }
    }
}
