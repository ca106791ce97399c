using Synomaly.Contracts;
using Synomaly.Imaging.Formats;
using Synomaly.Testing;

namespace Synomaly.Imaging.Tests;

public sealed class FormatSnifferTests
{
    private static ScanFormat SniffFile(params string[] relative)
    {
        var path = Path.Combine([TestPaths.Data, .. relative]);
        using var stream = File.OpenRead(path);
        var head = new byte[FormatSniffer.BytesNeeded];
        int read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        return FormatSniffer.Sniff(head.AsSpan(0, read));
    }

    [Fact]
    public void Recognises_real_files_by_content()
    {
        Assert.Equal(ScanFormat.Dicom, SniffFile("formats", "dicom-transfer-syntaxes", "In", "1.dcm"));
        Assert.Equal(ScanFormat.Png, SniffFile("formats", "ultrasound", "neck_input.png"));
        Assert.Equal(ScanFormat.NiftiGzip, SniffFile("formats", "nifti-samples", "colin27_ch2bet.nii.gz"));
        Assert.Equal(ScanFormat.Nifti, SniffFile("formats", "nifti-samples", "anatomical.nii"));
    }

    [Fact]
    public void Unknown_and_empty_input_is_unknown()
    {
        Assert.Equal(ScanFormat.Unknown, FormatSniffer.Sniff([]));
        Assert.Equal(ScanFormat.Unknown, FormatSniffer.Sniff("hello world, not a scan"u8));
    }
}
