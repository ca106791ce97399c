using System.IO.Compression;
using Synomaly.Imaging.Dicom;
using Synomaly.Imaging.Reading;
using Synomaly.Imaging.Tests.Dicom;

namespace Synomaly.Imaging.Tests.Reading;

/// <summary>The DICOM transcoder of <see cref="ScanReadOptions"/> reaches every DICOM path of the scan reader.</summary>
public sealed class ScanReaderTranscoderTests
{
    private const string Jpeg2000 = "1.2.840.10008.1.2.4.90";

    private static string Uncompressed => Path.Combine(DicomTestFiles.TransferSyntaxes, "In", "1.dcm");

    private static string Jpeg2000File => Path.Combine(DicomTestFiles.TransferSyntaxes, "In", "9.dcm");

    [Fact]
    public void File_stream_zip_and_series_reads_hand_undecoded_syntaxes_to_the_configured_transcoder()
    {
        var transcoder = new UncompressingTranscoder();
        var options = new ScanReadOptions { DicomTranscoder = transcoder };
        var expected = ScanReader.ReadFile(Uncompressed).Voxels;
        using var zip = Zip(Jpeg2000File);

        var reads = new[]
        {
            ScanReader.ReadFile(Jpeg2000File, options),
            ScanReader.Read(new MemoryStream(File.ReadAllBytes(Jpeg2000File)), options),
            ScanReader.Read(zip, options),
            ScanReader.ReadSeries([Jpeg2000File], options),
        };

        Assert.All(reads, volume =>
        {
            Assert.Equal(expected, volume.Voxels);
            Assert.Contains(volume.Provenance.Notes, n => n.Contains($"{Jpeg2000} decompressed by {transcoder.Name}", StringComparison.Ordinal));
        });
        Assert.Equal(4, transcoder.Calls);
    }

    [Fact]
    public void Without_a_transcoder_the_syntax_is_rejected_by_name_with_what_to_install()
    {
        var rejection = Assert.Throws<ScanRejectedException>(() => ScanReader.ReadFile(Jpeg2000File));

        Assert.Equal(ScanRejectionCode.UnsupportedTransferSyntax, rejection.Code);
        Assert.Contains(Jpeg2000, rejection.Message, StringComparison.Ordinal);
        Assert.Contains("install gdcm where scans are decoded", rejection.Message, StringComparison.Ordinal);
        Assert.Contains("Worker__DicomTranscoder", rejection.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_syntax_no_tool_decodes_is_rejected_without_suggesting_one()
    {
        var mpeg2 = new DicomBuilder("1.2.840.10008.1.2.4.100").ImageModule(2, 2, 8, 8, signed: false, "MONOCHROME2").Encapsulated([1, 2, 3, 4]).Build();
        var transcoder = new UncompressingTranscoder();

        var rejection = Assert.Throws<ScanRejectedException>(() => ScanReader.Read(new MemoryStream(mpeg2), new ScanReadOptions { DicomTranscoder = transcoder }));

        Assert.Equal(ScanRejectionCode.UnsupportedTransferSyntax, rejection.Code);
        Assert.DoesNotContain("gdcm", rejection.Message, StringComparison.Ordinal);
        Assert.Equal(0, transcoder.Calls);
    }

    private static MemoryStream Zip(string file)
    {
        var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var entry = archive.CreateEntry("IM0001").Open();
            entry.Write(File.ReadAllBytes(file));
        }

        zip.Position = 0;
        return zip;
    }

    /// <summary>A stand-in for gdcm: "decompresses" JPEG 2000 by returning the uncompressed version of the same image.</summary>
    private sealed class UncompressingTranscoder : IDicomTranscoder
    {
        public int Calls { get; private set; }

        public string Name => "test-transcoder";

        public bool CanTranscode(string transferSyntaxUid) => transferSyntaxUid == Jpeg2000;

        public byte[] Transcode(byte[] part10File, string transferSyntaxUid, ScanReadLimits limits, CancellationToken cancellationToken)
        {
            Calls++;
            return File.ReadAllBytes(Uncompressed);
        }
    }
}
