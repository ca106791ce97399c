using Synomaly.Imaging.Dicom;
using Synomaly.Imaging.Volumes;

namespace Synomaly.Imaging.Tests.Dicom;

/// <summary>
/// The nine transfer syntaxes of dcm_qa_ts against the dcm2niix reference Ref/1.nii. The DICOM image is a Siemens
/// mosaic (384x384 holding 35 tiles of 64x64) which the reader unpacks into 35 slices; dcm2niix writes the same slices
/// with their rows flipped (its y axis runs the other way), so voxel (x, y, z) here is (x, 63 - y, z) there.
/// </summary>
public sealed class TransferSyntaxConformanceTests
{
    private static readonly Lazy<NiftiReference> Reference = new(() =>
        NiftiReference.Load(Path.Combine(DicomTestFiles.TransferSyntaxes, "Ref", "1.nii")));

    [Theory]
    [InlineData(1, "1.2.840.10008.1.2.1")]
    [InlineData(2, "1.2.840.10008.1.2")]
    [InlineData(3, "1.2.840.10008.1.2.2")]
    [InlineData(4, "1.2.840.10008.1.2.5")]
    public void Decoded_syntaxes_match_the_reference_pixels(int file, string uid)
    {
        var volume = DicomTestFiles.Read(Path.Combine(DicomTestFiles.TransferSyntaxes, "In", $"{file}.dcm"));

        Assert.Equal(uid, volume.Provenance.TransferSyntaxUid);
        AssertMatchesReference(volume);
    }

    [Theory]
    [InlineData(5, "1.2.840.10008.1.2.4.70", "JPEG Lossless")]
    [InlineData(6, "1.2.840.10008.1.2.4.70", "JPEG Lossless")]
    [InlineData(7, "1.2.840.10008.1.2.4.80", "JPEG-LS")]
    [InlineData(8, "1.2.840.10008.1.2.4.80", "JPEG-LS")]
    [InlineData(9, "1.2.840.10008.1.2.4.90", "JPEG 2000")]
    public void Compressed_syntaxes_are_rejected_by_name_without_a_transcoder(int file, string uid, string name)
    {
        var rejection = DicomTestFiles.Rejection(Path.Combine(DicomTestFiles.TransferSyntaxes, "In", $"{file}.dcm"));

        Assert.Equal(ScanRejectionCode.UnsupportedTransferSyntax, rejection.Code);
        Assert.Contains(uid, rejection.Message, StringComparison.Ordinal);
        Assert.Contains(name, rejection.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// The tools are required, not used when present: a test that passed silently without them never ran this path in CI.
    /// scripts/bootstrap.sh (run by scripts/test.sh) installs them.
    /// </summary>
    [Theory]
    [InlineData(5, "1.2.840.10008.1.2.4.70")]
    [InlineData(6, "1.2.840.10008.1.2.4.70")]
    [InlineData(7, "1.2.840.10008.1.2.4.80")]
    [InlineData(8, "1.2.840.10008.1.2.4.80")]
    [InlineData(9, "1.2.840.10008.1.2.4.90")]
    public void Compressed_syntaxes_decoded_by_the_installed_transcoder_match_the_reference_pixels(int file, string uid)
    {
        var transcoder = DicomToolTranscoder.Detect();
        Assert.True(
            transcoder is not null && transcoder.CanTranscode(uid),
            $"No DICOM transcoder for {uid} on PATH: install the Debian packages libgdcm-tools (gdcmconv) and dcmtk (dcmdjpeg, dcmdjpls), as scripts/bootstrap.sh does.");

        var volume = DicomTestFiles.Read(Path.Combine(DicomTestFiles.TransferSyntaxes, "In", $"{file}.dcm"), transcoder: transcoder);

        AssertMatchesReference(volume);
    }

    [Fact]
    public void The_mosaic_carries_the_reference_geometry_facts()
    {
        using var stream = File.OpenRead(Path.Combine(DicomTestFiles.TransferSyntaxes, "In", "1.dcm"));
        var info = DicomVolumeReader.Describe(stream, ScanReadLimits.Default);

        Assert.Equal("MR", info.Modality);
        Assert.Equal(3.25, info.SpacingX);
        Assert.Equal(3.25, info.SpacingY);
        Assert.Equal(3.0, info.SliceThickness);
        Assert.Equal(3.6, info.SpacingBetweenSlices!.Value, 6);
        Assert.Equal((384, 384, 1), (info.Columns, info.Rows, info.Frames));
        Assert.Equal("Explicit VR Little Endian", info.TransferSyntaxName);
    }

    [Fact]
    public void The_unpacked_mosaic_lies_where_the_reference_puts_it()
    {
        var reference = Reference.Value;
        var affine = DicomTestFiles.Read(Path.Combine(DicomTestFiles.TransferSyntaxes, "In", "1.dcm")).Geometry.Affine;

        // Same world point for voxel (x, y, z) here and (x, ny - 1 - y, z) in the reference: x and z columns agree,
        // the y column is negated, and the origin moves to the reference's last row.
        for (int row = 0; row < 3; row++)
        {
            double[] r = reference.Srow[(4 * row)..((4 * row) + 4)];
            Assert.Equal(r[0], affine[(4 * row) + 0], 3);
            Assert.Equal(-r[1], affine[(4 * row) + 1], 3);
            Assert.Equal(r[2], affine[(4 * row) + 2], 3);
            Assert.Equal(r[3] + ((reference.Ny - 1) * r[1]), affine[(4 * row) + 3], 3);
        }
    }

    private static void AssertMatchesReference(Volume volume)
    {
        var reference = Reference.Value;
        Assert.Equal((reference.Nx, reference.Ny, reference.Nz), (volume.Width, volume.Height, volume.Depth));
        Assert.Contains(volume.Provenance.Notes, n => n.Contains("mosaic", StringComparison.Ordinal));
        int mismatches = 0;
        for (int k = 0; k < reference.Nz; k++)
        {
            for (int y = 0; y < reference.Ny; y++)
            {
                for (int x = 0; x < reference.Nx; x++)
                {
                    if (volume[x, reference.Ny - 1 - y, k] != reference.Voxels[x + (reference.Nx * (y + (reference.Ny * k)))])
                    {
                        mismatches++;
                    }
                }
            }
        }

        Assert.Equal(0, mismatches);
    }
}
