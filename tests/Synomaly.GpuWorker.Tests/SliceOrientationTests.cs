using Synomaly.Contracts;
using Synomaly.Diffusion.Weights;
using Synomaly.GpuWorker.Inference;
using Synomaly.GpuWorker.Options;
using Synomaly.GpuWorker.Scans;
using Synomaly.GpuWorker.Tests.Support;
using Synomaly.Imaging;
using Synomaly.Imaging.Nifti;
using Synomaly.Imaging.Presets;
using Synomaly.Imaging.Reading;
using Synomaly.Imaging.Volumes;
using Synomaly.Testing;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace Synomaly.GpuWorker.Tests;

/// <summary>
/// The worker lays slices out as the served model's card says (display, or the reference's nibabel arrays for imported
/// checkpoints) and writes its maps back onto the voxels they came from.
/// </summary>
public sealed class SliceOrientationTests
{
    private const int Size = UntrainedInference.Size;

    [Theory]
    [InlineData(null, SliceOrientation.Display)]
    [InlineData(Preprocessing.DisplayOrientation, SliceOrientation.Display)]
    [InlineData(Preprocessing.ReferenceArrayOrientation, SliceOrientation.ReferenceArray)]
    public void The_served_model_reports_the_slice_orientation_its_card_records(string? recorded, SliceOrientation expected)
    {
        using var inference = UntrainedInference.Create("brain-mri", sliceOrientation: recorded);

        Assert.Equal(expected, inference.Orientation);
    }

    [Fact]
    public void A_card_with_an_unknown_slice_orientation_fails_at_load()
    {
        var error = Assert.Throws<ArgumentException>(() => UntrainedInference.Create("brain-mri", sliceOrientation: "rotated"));

        Assert.Contains("rotated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_card_names_are_the_names_the_presets_read()
    {
        Assert.Equal(SliceOrientationNames.Display, Preprocessing.DisplayOrientation);
        Assert.Equal(SliceOrientationNames.ReferenceArray, Preprocessing.ReferenceArrayOrientation);
    }

    [Fact]
    public void The_shipped_demo_model_records_no_orientation_and_keeps_the_display_layout()
    {
        var directory = Path.Combine(TestPaths.RepositoryRoot, "models", "brain-mri-demo");

        var card = ModelPackage.LoadCard(directory);

        Assert.DoesNotContain("slice_orientation", File.ReadAllText(Path.Combine(directory, ModelPackage.CardFile)), StringComparison.Ordinal);
        Assert.Equal("training", card.Provenance?.Source);
        Assert.Equal(SliceOrientation.Display, SliceOrientationNames.ParseRecorded(card.ExpectedSliceOrientation()));
    }

    [Theory]
    [InlineData(SliceOrientation.Display)]
    [InlineData(SliceOrientation.ReferenceArray)]
    public void The_anomaly_map_lands_on_the_voxels_its_slice_pixels_came_from(SliceOrientation orientation)
    {
        // Voxel (x, y) holds 32·x + y on every slice: the map made from the model input says where each value came from.
        var voxels = new float[Size * Size * 2];
        for (int i = 0; i < voxels.Length; i++)
        {
            voxels[i] = (Size * (i % Size)) + (i / Size % Size);
        }

        var codec = new ImagingScanCodec(ScanReadOptions.Default, MsOptions.Create(new ModelOptions()), TimeProvider.System);
        var job = StubScanJob.For("orientation-1", ModalityHint.BrainMri);
        var scan = codec.Prepare(Nifti(voxels), job, (Size, Size), ModalityHint.BrainMri, orientation, TestContext.Current.CancellationToken);
        var outputs = scan.Slices.Select(s => new SliceOutput(new float[s.Length], [.. s.Select(p => (p + 1) / 2)], new bool[s.Length], 0, 1)).ToList();

        var files = codec.Render(job, scan, outputs, TestContext.Current.CancellationToken);
        using var map = files.Single(f => f.RelativePath == BlobLayout.AnomalyMapFile).Content.ToStream();
        var written = ScanReader.Read(map);

        // Rows of the model input run along x in the reference layout, along y (flipped) in the display layout.
        float firstRowEnd = scan.Slices[0][Size - 1];
        Assert.Equal(orientation == SliceOrientation.ReferenceArray ? (2f * (Size - 1) / 1023f) - 1 : 1f, firstRowEnd, 4);
        float max = (Size * (Size - 1)) + (Size - 1);
        for (int i = 0; i < voxels.Length; i++)
        {
            // The preset keeps the head (above 10 % of the range); the rest of the map is cleared.
            float expected = voxels[i] / max;
            Assert.Equal(expected > 0.1f ? expected : 0f, written.Voxels[i], 4);
        }
    }

    [Theory]
    [InlineData(SliceOrientation.Display)]
    [InlineData(SliceOrientation.ReferenceArray)]
    public void Overlays_show_a_RAS_volume_with_anterior_at_the_top_whatever_layout_the_model_read(SliceOrientation orientation)
    {
        // The unit affine is RAS: y grows towards anterior along the stored rows, so the last stored row (bright here, and
        // anomalous in the map) is the most anterior and belongs at the top of the picture.
        var voxels = new float[Size * Size * 2];
        for (int i = 0; i < voxels.Length; i++)
        {
            voxels[i] = (i / Size % Size) == Size - 1 ? 1000f : 100f + (i % 7);
        }

        var codec = new ImagingScanCodec(ScanReadOptions.Default, MsOptions.Create(new ModelOptions()), TimeProvider.System);
        var job = StubScanJob.For("overlay-orientation-1", ModalityHint.BrainMri);
        var scan = codec.Prepare(Nifti(voxels), job, (Size, Size), ModalityHint.BrainMri, orientation, TestContext.Current.CancellationToken);
        var outputs = scan.Slices.Select(s => new SliceOutput(new float[s.Length], [.. s.Select(p => p > 0.9f ? 1f : 0f)], new bool[s.Length], 0, 1)).ToList();

        var files = codec.Render(job, scan, outputs, TestContext.Current.CancellationToken);
        using var overlay = SixLabors.ImageSharp.Image.Load<SixLabors.ImageSharp.PixelFormats.Rgb24>(files.Single(f => f.RelativePath == $"{BlobLayout.OverlaysFolder}/0000.png").Content.ToStream());

        // Top row: the anterior row, coloured by the map; bottom row: posterior, plain grey.
        var top = overlay[Size / 2, 0];
        var bottom = overlay[Size / 2, Size - 1];
        Assert.True(top.R != top.G || top.G != top.B, $"The top row should carry the anomaly's colour, got {top}.");
        Assert.True(bottom.R == bottom.G && bottom.G == bottom.B && bottom.R < 128, $"The bottom row should be dark grey, got {bottom}.");
    }

    private static BinaryData Nifti(float[] voxels)
    {
        var volume = new Volume(voxels, Size, Size, 2, VolumeGeometry.Unit(), Modality.MR, new VolumeProvenance { Format = ScanFormat.NiftiGzip });
        using var output = new MemoryStream();
        NiftiWriter.Write(output, voxels, Size, Size, 2, NiftiGeometry.ForVolume(volume), NiftiDataType.Float32, gzip: true, "synthetic");
        return BinaryData.FromBytes(output.ToArray());
    }
}
