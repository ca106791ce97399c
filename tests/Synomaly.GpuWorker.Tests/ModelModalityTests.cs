using Synomaly.Contracts;
using Synomaly.GpuWorker.Inference;
using Synomaly.GpuWorker.Options;
using Synomaly.GpuWorker.Scans;
using Synomaly.GpuWorker.Tests.Support;
using Synomaly.Imaging;
using Synomaly.Imaging.Nifti;
using Synomaly.Imaging.Presets;
using Synomaly.Imaging.Reading;
using Synomaly.Imaging.Volumes;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace Synomaly.GpuWorker.Tests;

/// <summary>A model trained with `synomaly train --modality` gets its inputs prepared by that modality's preset.</summary>
public sealed class ModelModalityTests
{
    private const int Size = 32;

    private static readonly ScanJob Job = StubScanJob.For("modality-1");

    [Fact]
    public void The_codec_uses_the_trained_modality_when_the_job_gives_no_hint_and_the_hint_when_it_does()
    {
        // A file without a stated modality (NIfTI): soft tissue at 30 HU between air and bone.
        var scan = Nifti(x => x < 10 ? -1000f : x < 22 ? 30f : 1000f);
        var codec = new ImagingScanCodec(ScanReadOptions.Default, MsOptions.Create(new ModelOptions()), TimeProvider.System);
        int centre = (16 * Size) + 16;

        float ct = codec.Prepare(scan, Job, (Size, Size), ModalityHint.LiverCt, SliceOrientation.Display, TestContext.Current.CancellationToken).Slices[0][centre];
        float fileDecides = codec.Prepare(scan, Job, (Size, Size), ModalityHint.Auto, SliceOrientation.Display, TestContext.Current.CancellationToken).Slices[0][centre];
        float hinted = codec.Prepare(scan, Job with { Modality = ModalityHint.LiverCt }, (Size, Size), ModalityHint.Auto, SliceOrientation.Display, TestContext.Current.CancellationToken).Slices[0][centre];

        Assert.Equal((2 * 30f / 150f) - 1f, ct, 0.02f);
        Assert.Equal((2 * 1030f / 2000f) - 1f, fileDecides, 0.02f);
        Assert.Equal(ct, hinted);
    }

    [Fact]
    public void The_codec_reads_a_colour_frame_for_an_ultrasound_model_by_its_blue_channel_and_for_a_brain_model_by_luminance()
    {
        // Red rises along x, blue along y: the blue channel is no rescaling of the luminance.
        using var image = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>(Size, Size);
        for (int y = 0; y < Size; y++)
        {
            for (int x = 0; x < Size; x++)
            {
                image[x, y] = new SixLabors.ImageSharp.PixelFormats.Rgb24((byte)(40 + (6 * x)), 120, (byte)(30 + (7 * y)));
            }
        }

        using var png = new MemoryStream();
        SixLabors.ImageSharp.ImageExtensions.SaveAsPng(image, png);
        var scan = BinaryData.FromBytes(png.ToArray());
        var read = ScanReader.Read(scan.ToStream(), ScanReadOptions.Default);
        var blue = new Volume(read.BlueChannel!, Size, Size, 1, read.Geometry, read.Modality, read.Provenance);
        var luminance = new Volume(read.Voxels, Size, Size, 1, read.Geometry, read.Modality, read.Provenance);
        var codec = new ImagingScanCodec(ScanReadOptions.Default, MsOptions.Create(new ModelOptions()), TimeProvider.System);

        var ultrasound = codec.Prepare(scan, Job, (Size, Size), ModalityHint.CarotidUltrasound, SliceOrientation.Display, TestContext.Current.CancellationToken).Slices[0];
        var brain = codec.Prepare(scan, Job, (Size, Size), ModalityHint.BrainMri, SliceOrientation.Display, TestContext.Current.CancellationToken).Slices[0];

        Assert.Equal(new UltrasoundPreset { ModelSize = Size }.Prepare(blue, TestContext.Current.CancellationToken).Slices[0].Pixels, ultrasound);
        Assert.Equal(new BrainMriPreset { ModelSize = Size }.Prepare(luminance, TestContext.Current.CancellationToken).Slices[0].Pixels, brain);
        Assert.NotEqual(new UltrasoundPreset { ModelSize = Size }.Prepare(luminance, TestContext.Current.CancellationToken).Slices[0].Pixels, ultrasound);
    }

    [Theory]
    [InlineData("liver-ct", ModalityHint.LiverCt)]
    [InlineData("carotid-us", ModalityHint.CarotidUltrasound)]
    [InlineData(null, ModalityHint.Auto)]
    public void The_served_model_reports_the_modality_its_card_records(string? recorded, ModalityHint expected)
    {
        using var inference = Inference(recorded);
        Assert.Equal(expected, inference.TrainedFor);
    }

    [Fact]
    public void A_card_with_an_unknown_modality_fails_at_load()
    {
        var error = Assert.Throws<ArgumentException>(() => Inference("knee-mri"));
        Assert.Contains("knee-mri", error.Message, StringComparison.Ordinal);
    }

    private static DiffusionSliceInference Inference(string? modality) => UntrainedInference.Create(modality);

    private static BinaryData Nifti(Func<int, float> valueAtColumn)
    {
        var voxels = new float[Size * Size * 2];
        for (int i = 0; i < voxels.Length; i++)
        {
            voxels[i] = valueAtColumn(i % Size);
        }

        var volume = new Volume(voxels, Size, Size, 2, VolumeGeometry.Unit(), Modality.Unknown, new VolumeProvenance { Format = ScanFormat.NiftiGzip });
        using var output = new MemoryStream();
        NiftiWriter.Write(output, voxels, Size, Size, 2, NiftiGeometry.ForVolume(volume), NiftiDataType.Float32, gzip: true, "synthetic");
        return BinaryData.FromBytes(output.ToArray());
    }
}
