using Synomaly.Contracts;
using Synomaly.Imaging.Nifti;
using Synomaly.Imaging.Presets;
using Synomaly.Imaging.Reading;
using Synomaly.Imaging.Synthesis;
using Synomaly.Imaging.Volumes;
using Synomaly.Testing;

namespace Synomaly.Evaluation.Tests;

/// <summary>
/// Brain lesions and the scalp margin are millimetres of anatomy: a 0.5 mm slice gets the lesions of a 1 mm one in twice
/// the pixels, and the 1 mm slices every published set was built from are drawn exactly as before.
/// </summary>
public sealed class BrainLesionSpacingTests : IDisposable
{
    private const int HeadRadiusMm = 70;

    private readonly ScratchDirectory scratch = new("brain-lesion-spacing");

    public void Dispose() => scratch.Dispose();

    [Fact]
    public void A_half_millimetre_slice_gets_procedural_lesions_of_the_same_size_in_millimetres_as_a_1_mm_slice()
    {
        var builder = new EvaluationSetBuilder([], modelSize: 32, lesionsPerSlice: 12, baseSeed: 40, trainedFor: ModalityHint.BrainMri);

        double oneMm = LesionAreas(builder.Build([Head("head-1mm.nii", 1.0)], cancellationToken: TestContext.Current.CancellationToken));
        double halfMm = LesionAreas(builder.Build([Head("head-05mm.nii", 0.5)], cancellationToken: TestContext.Current.CancellationToken));

        // The same draws, each pixel a quarter of the area: four times the pixels (rasterising the outline moves it a little).
        Assert.InRange(halfMm / oneMm, 3.4, 4.6);
    }

    [Fact]
    public void The_brain_region_of_a_half_millimetre_slice_keeps_the_12_mm_margin_of_a_1_mm_slice()
    {
        var oneMm = ScanReader.ReadFile(Head("head-1mm.nii", 1.0));
        var halfMm = ScanReader.ReadFile(Head("head-05mm.nii", 0.5));

        int oneMmArea = RegionArea(oneMm);
        int halfMmArea = RegionArea(halfMm);

        Assert.InRange(halfMmArea / (double)oneMmArea, 3.8, 4.2); // the same area in mm², in four times the pixels
        Assert.Equal(24, BrainMaskEstimator.MarginPixels(0.5));
        Assert.Equal(12, BrainMaskEstimator.MarginPixels(1.0));
    }

    [Fact]
    public void An_ixi_slice_gets_the_region_and_ranges_it_always_got()
    {
        var slice = ScanReader.ReadFile(ScanFiles.IxiSlice(0));
        var grey = EightBitGrey.Fit(slice.Slice(0).ToArray());
        var standard = EvaluationSetBuilder.Synthesis;
        var canvas = LesionCanvas.For(new BrainMriPreset { ModelSize = 64 })!;

        Assert.Equal(BrainMaskEstimator.Estimate(grey, slice.Width, slice.Height), canvas.Region(slice, slice.Slice(0).ToArray(), grey));
        Assert.Equal(standard, canvas.Options(slice, standard));
        Assert.Equal((4.0, 16.0), (canvas.Options(slice, standard).MinRadius, canvas.Options(slice, standard).MaxRadius));
    }

    private int RegionArea(Volume slice)
    {
        var stored = slice.Slice(0).ToArray();
        var canvas = LesionCanvas.For(new BrainMriPreset { ModelSize = 32 })!;
        return canvas.Region(slice, stored, canvas.Grey(stored)).Count(b => b);
    }

    private static double LesionAreas(IReadOnlyList<EvaluationCase> cases) => cases.Where(c => c.Lesion is not null).Sum(c => c.Lesion!.Area);

    /// <summary>A round head of <see cref="HeadRadiusMm"/> mm with some texture, on a 180 mm square slice of <paramref name="mmPerPixel"/> pixels.</summary>
    private string Head(string name, double mmPerPixel)
    {
        int size = (int)Math.Round(180 / mmPerPixel);
        double centre = (size - 1) / 2.0;
        var voxels = new float[size * size];
        for (int y = 0; y < size; y++)
        {
            for (int x = 0; x < size; x++)
            {
                double dx = (x - centre) * mmPerPixel, dy = (y - centre) * mmPerPixel;
                voxels[x + (size * y)] = Math.Sqrt((dx * dx) + (dy * dy)) < HeadRadiusMm ? 100 + (float)(10 * Math.Sin(dx / 7) * Math.Cos(dy / 5)) : 0;
            }
        }

        string path = Path.Combine(Directory.CreateDirectory(scratch.Location).FullName, name);
        using var stream = File.Create(path);
        var geometry = new VolumeGeometry(mmPerPixel, mmPerPixel, 1, [mmPerPixel, 0, 0, -90, 0, mmPerPixel, 0, -90, 0, 0, 1, 0, 0, 0, 0, 1]);
        NiftiWriter.Write(stream, voxels, size, size, 1, NiftiGeometry.FromAffine(geometry), NiftiDataType.Float32, gzip: false, description: "");
        return path;
    }
}
