using Synomaly.Imaging.Nifti;
using Synomaly.Imaging.Presets;
using Synomaly.Imaging.Reading;
using Synomaly.Imaging.Synthesis;
using Synomaly.Testing;

namespace Synomaly.Evaluation.Tests;

public sealed class EvaluationSetBuilderTests
{
    /// <summary>The first validation slice written as a float NIfTI with rows running anterior (RAS+ y up), voxels a·v + b.</summary>
    private static string NiftiSlice(ScratchDirectory scratch, float a = 1, float b = 0)
    {
        var png = Directory.GetFiles(Path.Combine(TestPaths.Data, "brain-mri-ixi-t1", "val"), "*.png").Order(StringComparer.Ordinal).First();
        var slice = ScanReader.ReadFile(png);
        string nifti = Path.Combine(Directory.CreateDirectory(scratch.Location).FullName, "sub-X_slice.nii");
        using var stream = File.Create(nifti);
        var geometry = new NiftiGeometry { PixDim = [1, 1, 1, 1, 0, 0, 0, 0], SformCode = 1, SRowX = [1, 0, 0, 0], SRowY = [0, 1, 0, 0], SRowZ = [0, 0, 1, 0] };
        NiftiWriter.Write(stream, [.. slice.Voxels.Select(v => (a * v) + b)], slice.Width, slice.Height, 1, geometry, NiftiDataType.Float32, gzip: false, description: "");
        return nifti;
    }

    [Fact]
    public void A_lesion_that_does_not_reach_the_model_grid_is_left_out_rather_than_scored_as_an_anomalous_case()
    {
        // At 16x16 the ~200-pixel slices are sampled every 12 or so pixels (the reference's mask resampling), so a small
        // inserted lesion can fall between the samples: its case had an empty truth mask and still counted as anomalous,
        // where Dice, by the reference's both-empty rule, scored a model that saw nothing as perfect (1.0).
        var files = Directory.GetFiles(Path.Combine(TestPaths.Data, "brain-mri-ixi-t1", "val"), "*.png").Order(StringComparer.Ordinal).Take(8).ToArray();
        var cases = new EvaluationSetBuilder([], modelSize: 16, lesionsPerSlice: 10, baseSeed: 1000).Build(files, cancellationToken: TestContext.Current.CancellationToken);
        var lesions = cases.Where(c => c.IsAnomalous).ToList();

        Assert.All(lesions, c => Assert.True(c.TruthArea > 0, $"{c.Id} is anomalous with an empty truth mask"));
        // Every case keeps the seed of its place (lesion-1010 is drawn as it always was), and a lesion the grid missed
        // is absent, not redrawn; the larger grid keeps all of them.
        Assert.Contains(lesions, c => c.Id == "lesion-1010" && c.Lesion!.Seed == 1010);
        Assert.DoesNotContain(lesions, c => c.Id == "lesion-1009");
        Assert.Equal(72, lesions.Count);
        Assert.Equal(8, cases.Count(c => !c.IsAnomalous));
        Assert.Equal(80, new EvaluationSetBuilder([], modelSize: 64, lesionsPerSlice: 10, baseSeed: 1000).Build(files, cancellationToken: TestContext.Current.CancellationToken).Count(c => c.IsAnomalous));
    }

    [Fact]
    public void A_colour_ultrasound_frame_among_healthy_slices_is_read_by_the_channel_its_preset_reads()
    {
        using var scratch = new ScratchDirectory("eval-colour");
        string png = Path.Combine(Directory.CreateDirectory(scratch.Location).FullName, "frame.png");
        using (var image = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>(24, 24))
        {
            for (int y = 0; y < 24; y++)
            {
                for (int x = 0; x < 24; x++)
                {
                    image[x, y] = new SixLabors.ImageSharp.PixelFormats.Rgb24((byte)(40 + (8 * x)), 120, (byte)(30 + (9 * y)));
                }
            }

            SixLabors.ImageSharp.ImageExtensions.SaveAsPng(image, png);
        }

        var healthy = Assert.Single(new EvaluationSetBuilder([], modelSize: 16, lesionsPerSlice: 0, baseSeed: 0, trainedFor: Contracts.ModalityHint.CarotidUltrasound).Build([png], cancellationToken: TestContext.Current.CancellationToken));

        var asRead = Assert.Single(new UltrasoundPreset { ModelSize = 16 }.Prepare(ScanReader.ReadFile(png), TestContext.Current.CancellationToken).Slices);
        Assert.Equal(asRead.Pixels, healthy.Input);
    }

    [Fact]
    public void A_slice_on_another_grey_scale_gets_lesions_of_the_intended_brightness()
    {
        // MR intensities in the thousands: a lesion clamped to the 8-bit range would come out darker than any tissue.
        using var scratch = new ScratchDirectory("eval-scale");
        string nifti = NiftiSlice(scratch, a: 10, b: 500);

        var cases = new EvaluationSetBuilder([], modelSize: 64, lesionsPerSlice: 8, baseSeed: 700).Build([nifti], cancellationToken: TestContext.Current.CancellationToken);

        var healthy = cases[0].Input;
        double MeanIn(float[] image, bool[] mask) => Enumerable.Range(0, mask.Length).Where(p => mask[p]).Average(p => image[p]);
        var bright = cases.Skip(1).Where(c => c.Lesion!.Model == IntensityModel.Hyperintense).ToList();
        var dark = cases.Skip(1).Where(c => c.Lesion!.Model == IntensityModel.Hypointense).ToList();
        Assert.NotEmpty(bright);
        Assert.NotEmpty(dark);
        Assert.All(bright, c => Assert.True(MeanIn(c.Input, c.Truth) > MeanIn(healthy, c.Truth), $"{c.Id} should be brighter than the tissue it replaced"));
        Assert.All(dark, c => Assert.True(MeanIn(c.Input, c.Truth) < MeanIn(healthy, c.Truth), $"{c.Id} should be darker than the tissue it replaced"));
    }

    [Theory]
    [InlineData(SliceOrientation.Display)]
    [InlineData(SliceOrientation.ReferenceArray)]
    public void A_nifti_slice_laid_out_for_the_model_gets_its_truth_mask_laid_out_with_it(SliceOrientation orientation)
    {
        // Display flips the rows (anterior up); the reference's layout transposes the slice (an imported checkpoint's).
        using var scratch = new ScratchDirectory("eval-nifti");
        string nifti = NiftiSlice(scratch);

        var cases = new EvaluationSetBuilder([], modelSize: 64, lesionsPerSlice: 4, baseSeed: 300, orientation).Build([nifti], cancellationToken: TestContext.Current.CancellationToken);

        var healthy = cases[0].Input;
        Assert.All(cases.Skip(1), lesion =>
        {
            // Where the inserted lesion changed the prepared image most must be inside its truth mask.
            int strongest = Enumerable.Range(0, healthy.Length).MaxBy(p => Math.Abs(lesion.Input[p] - healthy[p]));
            Assert.True(lesion.Truth[strongest], $"{lesion.Id}: the most changed pixel {strongest} is outside the truth mask");
        });
    }

    [Fact]
    public void A_liver_ct_model_gets_slices_prepared_by_the_ct_preset_and_lesions_inside_its_hounsfield_window()
    {
        using var scratch = new ScratchDirectory("eval-ct");
        string slice = ScanFiles.CtSlab(Path.Combine(scratch.Location, "sub-01_ct.nii"), first: 15, count: 1);
        var volume = ScanReader.ReadFile(slice);

        var cases = new EvaluationSetBuilder([], modelSize: 32, lesionsPerSlice: 6, baseSeed: 900, trainedFor: Synomaly.Contracts.ModalityHint.LiverCt).Build([slice], cancellationToken: TestContext.Current.CancellationToken);

        // The healthy case is the slice exactly as the CT preset (and so detect and the worker) prepares it.
        Assert.Equal(new CtPreset { ModelSize = 32 }.Prepare(volume, TestContext.Current.CancellationToken).Slices[0].Pixels, cases[0].Input);
        Assert.All(cases.Skip(1), lesion =>
        {
            var centre = volume[lesion.Lesion!.CentreX, lesion.Lesion.CentreY, 0];
            Assert.InRange(centre, 0f, 150f);   // placed in soft tissue, not in air, fat or bone
            Assert.True(lesion.TruthArea > 0, $"{lesion.Id} has an empty truth mask");
            int strongest = Enumerable.Range(0, lesion.Input.Length).MaxBy(p => Math.Abs(lesion.Input[p] - cases[0].Input[p]));
            Assert.True(lesion.Truth[strongest], $"{lesion.Id}: the most changed pixel is outside the truth mask");
        });
    }

    [Fact]
    public void Synthetic_lesions_are_refused_for_ultrasound_naming_the_inputs_to_use_instead()
    {
        string frame = Path.Combine(TestPaths.Data, "formats", "ultrasound", "neck_input.png");

        var e = Assert.Throws<EvaluationSetException>(() =>
            new EvaluationSetBuilder([], modelSize: 32, lesionsPerSlice: 1, baseSeed: 0, trainedFor: Synomaly.Contracts.ModalityHint.CarotidUltrasound).Build([frame], cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal((EvaluationSetProblem.SyntheticLesionsUnsupported, frame), (e.Problem, e.File));
        Assert.Contains("--anomalous", e.Message, StringComparison.Ordinal);
        // Healthy slices alone (the normative residual's) need no lesion and are prepared by the ultrasound preset.
        var healthy = Assert.Single(new EvaluationSetBuilder([], modelSize: 32, lesionsPerSlice: 0, baseSeed: 0, trainedFor: Synomaly.Contracts.ModalityHint.CarotidUltrasound).Build([frame], cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal(new UltrasoundPreset { ModelSize = 32 }.Prepare(ScanReader.ReadFile(frame), TestContext.Current.CancellationToken).Slices[0].Pixels, healthy.Input);
    }
}
