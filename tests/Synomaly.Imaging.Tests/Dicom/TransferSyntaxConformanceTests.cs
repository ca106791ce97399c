using Synomaly.Imaging.Dicom;
using Synomaly.Imaging.Volumes;

namespace Synomaly.Imaging.Tests.Dicom;

/// <summary>
/// The nine transfer syntaxes of dcm_qa_ts against the dcm2niix reference Ref/1.nii. The DICOM image is a Siemens
/// mosaic (384x384 holding 35 tiles of 64x64); the reference is the de-mosaicked volume, slice k being tile k (row-major,
/// 6 tiles per row) with its rows flipped, as dcm2niix writes them.
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
    public void Compressed_syntaxes_are_rejected_by_name_or_decoded_by_an_installed_transcoder(int file, string uid, string name)
    {
        string path = Path.Combine(DicomTestFiles.TransferSyntaxes, "In", $"{file}.dcm");
        var transcoder = DicomToolTranscoder.Detect();
        if (transcoder is not null && transcoder.CanTranscode(uid))
        {
            AssertMatchesReference(DicomTestFiles.Read(path, transcoder: transcoder));
            return;
        }

        var rejection = DicomTestFiles.Rejection(path);
        Assert.Equal(ScanRejectionCode.UnsupportedTransferSyntax, rejection.Code);
        Assert.Contains(uid, rejection.Message, StringComparison.Ordinal);
        Assert.Contains(name, rejection.Message, StringComparison.Ordinal);
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

    private static void AssertMatchesReference(Volume volume)
    {
        var reference = Reference.Value;
        Assert.Equal((384, 384, 1), (volume.Width, volume.Height, volume.Depth));
        int tile = reference.Nx;
        int tilesPerRow = volume.Width / tile;
        int mismatches = 0;
        for (int k = 0; k < reference.Nz; k++)
        {
            for (int y = 0; y < reference.Ny; y++)
            {
                for (int x = 0; x < reference.Nx; x++)
                {
                    int mosaicX = ((k % tilesPerRow) * tile) + x;
                    int mosaicY = ((k / tilesPerRow) * tile) + (tile - 1 - y);
                    if (volume[mosaicX, mosaicY, 0] != reference.Voxels[x + (reference.Nx * (y + (reference.Ny * k)))])
                    {
                        mismatches++;
                    }
                }
            }
        }

        Assert.Equal(0, mismatches);
    }
}
