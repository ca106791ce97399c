using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Synomaly.Contracts;
using Synomaly.Imaging.Dicom;
using Synomaly.Imaging.Outputs;

namespace Synomaly.Imaging.Tests.Outputs;

public sealed class SecondaryCaptureWriterTests
{
    [Fact]
    public void An_overlay_written_as_secondary_capture_reads_back_through_the_dicom_reader()
    {
        using var overlay = HeatmapOverlay.Render(
            Enumerable.Range(0, 33 * 21).Select(i => (float)(i % 33)).ToArray(),
            Enumerable.Range(0, 33 * 21).Select(i => i / (33f * 21)).ToArray(), 33, 21);

        var file = SecondaryCaptureWriter.Write(overlay, "scan-7", instanceNumber: 3);
        var volume = DicomVolumeReader.Read(new MemoryStream(file), ScanReadLimits.Default);
        var info = DicomVolumeReader.Describe(new MemoryStream(file), ScanReadLimits.Default);

        Assert.Equal("DICM"u8.ToArray(), file[128..132]);
        Assert.Equal((overlay.Width, overlay.Height, 1), (volume.Width, volume.Height, volume.Depth));
        Assert.Equal(ScanFormat.Dicom, volume.Provenance.Format);
        Assert.Equal(SecondaryCaptureWriter.ExplicitVrLittleEndian, info.TransferSyntaxUid);
        Assert.Equal(SecondaryCaptureWriter.SopClassUid, info.SopClassUid);
        Assert.Null(info.NonImageReason);
        for (int y = 0; y < overlay.Height; y += 5)
        {
            for (int x = 0; x < overlay.Width; x += 7)
            {
                var p = overlay[x, y];
                Assert.Equal((0.299 * p.R) + (0.587 * p.G) + (0.114 * p.B), volume[x, y, 0], 0.6);
            }
        }
    }

    [Fact]
    public void Writing_again_gives_the_same_bytes_and_other_scans_get_other_uids()
    {
        using var overlay = new Image<Rgb24>(4, 3, new Rgb24(10, 20, 30));

        var first = SecondaryCaptureWriter.Write(overlay, "scan-1", 1);
        var again = SecondaryCaptureWriter.Write(overlay, "scan-1", 1);
        var other = SecondaryCaptureWriter.Write(overlay, "scan-2", 1);

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
        Assert.Equal(0, first.Length % 2);
    }
}
