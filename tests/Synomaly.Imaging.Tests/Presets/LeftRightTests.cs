using System.Buffers.Binary;
using Synomaly.Contracts;
using Synomaly.Imaging.Outputs;
using Synomaly.Imaging.Presets;
using Synomaly.Imaging.Reading;
using Synomaly.Imaging.Tests.Dicom;
using Synomaly.Imaging.Volumes;
using Synomaly.Testing;

namespace Synomaly.Imaging.Tests.Presets;

/// <summary>
/// The display layout puts the patient's right on the image's right, as in the IXI training slices (MNI space stored
/// RAS+, cut as flipud(data[:, :, z].T)), whichever way a file's columns run: DICOM's run to the patient's left (LPS), as
/// do those of LAS NIfTI. Pictures for people keep the stored columns.
/// </summary>
public sealed class LeftRightTests
{
    private const int Size = 32;

    /// <summary>
    /// An axial RAS+ slice (unit affine: x to the patient's right, y anterior) of a head with a bright spot on the
    /// patient's right, towards the front, and a faint one on the left, towards the back: no flip maps it onto itself.
    /// </summary>
    private static Volume RasHead()
    {
        var voxels = new float[Size * Size];
        for (int y = 0; y < Size; y++)
        {
            for (int x = 0; x < Size; x++)
            {
                bool head = Math.Pow((x - 15.5) / 13, 2) + Math.Pow((y - 15.5) / 15, 2) < 1;
                bool right = x is >= 20 and < 25 && y is >= 18 and < 24;
                bool left = x is >= 7 and < 11 && y is >= 6 and < 10;
                voxels[x + (Size * y)] = right ? 900 : left ? 500 : head ? 300 + ((x * 7) % 11) : 0;
            }
        }

        return new Volume(voxels, Size, Size, 1, VolumeGeometry.Unit(), Modality.Unknown, new VolumeProvenance { Format = ScanFormat.Nifti });
    }

    /// <summary>The same head as an axial MR DICOM image: rows along +x and columns along +y in LPS, pixel (c, r) = RAS (31 − c, 31 − r).</summary>
    private static Volume LpsDicomHead(Volume ras)
    {
        var pixels = new byte[2 * Size * Size];
        for (int r = 0; r < Size; r++)
        {
            for (int c = 0; c < Size; c++)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(pixels.AsSpan(2 * (c + (Size * r))), (ushort)ras[Size - 1 - c, Size - 1 - r, 0]);
            }
        }

        var file = new DicomBuilder()
            .ImageModule(Size, Size, 16, 16, signed: false, "MONOCHROME2", sopClass: "1.2.840.10008.5.1.4.1.1.4", modality: "MR")
            .Text(0x0020, 0x0032, "DS", "15.5\\15.5\\0")
            .Text(0x0020, 0x0037, "DS", "1\\0\\0\\0\\1\\0")
            .Text(0x0028, 0x0030, "DS", "1\\1")
            .PixelData(pixels)
            .Build();
        return DicomTestFiles.Read(file);
    }

    [Fact]
    public void An_lps_dicom_and_a_ras_nifti_of_the_same_head_give_the_same_model_input()
    {
        var ras = RasHead();
        var dicom = LpsDicomHead(ras);
        var preset = new BrainMriPreset { ModelSize = Size };

        var fromNifti = Assert.Single(preset.Prepare(ras, TestContext.Current.CancellationToken).Slices);
        var fromDicom = Assert.Single(preset.Prepare(dicom, TestContext.Current.CancellationToken).Slices);

        Assert.Equal(fromNifti.Pixels, fromDicom.Pixels);
        Assert.Equal(fromNifti.Foreground, fromDicom.Foreground);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(true, true)]
    [InlineData(false, true)]
    public void A_head_stored_with_its_axes_reversed_gives_the_ras_model_input_and_its_map_lands_on_its_own_voxels(bool leftward, bool posterior)
    {
        var ras = RasHead();
        var stored = StoredAxes.Restore(ras, [0, 1, 2], [leftward, posterior, false]);
        var preset = new BrainMriPreset { ModelSize = Size };

        var expected = preset.Prepare(ras, TestContext.Current.CancellationToken);
        var prepared = preset.Prepare(stored, TestContext.Current.CancellationToken);
        var maps = expected.Slices.Select(s => s.Pixels.Select(p => (p + 1) / 2).ToArray()).ToList();

        Assert.Equal(Assert.Single(expected.Slices).Pixels, Assert.Single(prepared.Slices).Pixels);
        Assert.Equal(StoredAxes.Restore(StoredAxes.OnGridOf(ras, expected.MapToSource(maps)), [0, 1, 2], [leftward, posterior, false]).Voxels, prepared.MapToSource(maps));
    }

    [Fact]
    public void A_sagittal_colin27_stored_towards_the_left_and_back_gives_the_axial_slices_of_the_original()
    {
        var axial = ScanReader.ReadFile(Path.Combine(TestPaths.Data, "formats", "nifti-samples", "colin27_ch2bet.nii.gz"));
        // Array axes running posterior, superior, left.
        var sagittal = StoredAxes.Restore(axial, [1, 2, 0], [true, false, true]);
        var preset = new BrainMriPreset { ModelSize = 64 };

        var expected = preset.Prepare(axial, TestContext.Current.CancellationToken);
        var prepared = preset.Prepare(sagittal, TestContext.Current.CancellationToken);

        Assert.Equal(expected.Slices.Select(s => s.SourceSlice), prepared.Slices.Select(s => s.SourceSlice));
        Assert.Equal(expected.Slices.Select(s => s.Pixels), prepared.Slices.Select(s => s.Pixels));
    }

    [Fact]
    public void The_reference_layout_keeps_nibabels_columns_and_pictures_keep_the_stored_ones()
    {
        var ras = RasHead();
        var dicom = LpsDicomHead(ras);
        var prepared = new BrainMriPreset { ModelSize = Size, Orientation = SliceOrientation.ReferenceArray }.Prepare(dicom, TestContext.Current.CancellationToken);
        var slice = Assert.Single(prepared.Slices);

        // nibabel's data[:, :, 0] of the stored array: row r is the stored column index x, column c the stored row y.
        var nibabel = new float[Size * Size];
        for (int x = 0; x < Size; x++)
        {
            for (int y = 0; y < Size; y++)
            {
                nibabel[(x * Size) + y] = dicom[x, y, 0];
            }
        }

        float low = nibabel.Min(), high = nibabel.Max();
        Assert.Equal(nibabel.Select(v => (2 * (v - low) / (high - low)) - 1), slice.Pixels, (a, b) => Math.Abs(a - b) < 1e-5);
        // The overlay shows the DICOM as stored: the patient's right (the bright spot) on the image's left.
        var rendered = new ScanResultRenderer(maxMontageTiles: 1).Render(prepared, [new SliceMaps(new float[Size * Size], new bool[Size * Size], new float[Size * Size])], TestContext.Current.CancellationToken);
        using var overlay = SixLabors.ImageSharp.Image.Load<SixLabors.ImageSharp.PixelFormats.Rgb24>(rendered.Files.Single(f => f.Name == BlobLayout.OverlayFile(0)).Content);
        Assert.True(overlay[9, 10].R > overlay[22, 10].R, "the bright spot on the patient's right is on the overlay's left");
    }

    [Theory]
    [InlineData(SliceOrientation.Display)]
    [InlineData(SliceOrientation.ReferenceArray)]
    public void A_model_image_of_an_lps_volume_is_pictured_with_its_stored_columns(SliceOrientation orientation)
    {
        var lps = StoredAxes.Restore(RasHead(), [0, 1, 2], [true, true, false], ScanFormat.Dicom);
        var layout = SliceLayout.Of(lps, orientation);

        var shown = layout.ToDisplay<float>(layout.Extract(lps, 0), Size, lps);

        Assert.Equal(orientation == SliceOrientation.Display, layout.FlipColumns);
        Assert.Equal(new SliceLayout(Transposed: false, FlipRows: false, FlipColumns: false), SliceLayout.ForPictures(lps));
        Assert.Equal(lps.Slice(0).ToArray(), shown);
    }
}
