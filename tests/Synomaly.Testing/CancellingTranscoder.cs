using Synomaly.Imaging;
using Synomaly.Imaging.Dicom;

namespace Synomaly.Testing;

/// <summary>
/// Presses Ctrl-C in the middle of reading one scan: "decompresses" a JPEG 2000 file (the uncompressed version of the
/// same image) and cancels the command's token meanwhile, ignoring the token itself as a slow tool would. A read that
/// honours the token stops before the next file of the series (or zip); one that does not calls this once per file. Shared
/// by the reader's tests and the commands' (inspect, detect), so that both press Ctrl-C the same way.
/// </summary>
public sealed class CancellingTranscoder(CancellationTokenSource cancel) : IDicomTranscoder
{
    public const string Jpeg2000 = "1.2.840.10008.1.2.4.90";

    public static string Jpeg2000File => Path.Combine(TestPaths.Data, "formats", "dicom-transfer-syntaxes", "In", "9.dcm");

    /// <summary>The same image stored uncompressed (explicit VR little endian), which this transcoder hands back.</summary>
    public static string UncompressedFile => Path.Combine(TestPaths.Data, "formats", "dicom-transfer-syntaxes", "In", "1.dcm");

    public int Calls { get; private set; }

    public string Name => "cancelling-transcoder";

    public bool CanTranscode(string transferSyntaxUid) => transferSyntaxUid == Jpeg2000;

    public byte[] Transcode(byte[] part10File, string transferSyntaxUid, ScanReadLimits limits, CancellationToken cancellationToken)
    {
        Calls++;
        cancel.Cancel();
        return File.ReadAllBytes(UncompressedFile);
    }

    /// <summary>A folder of <paramref name="count"/> JPEG 2000 files, read as one series.</summary>
    public static string Series(string parent, int count)
    {
        string folder = Path.Combine(parent, "series");
        Directory.CreateDirectory(folder);
        for (int i = 0; i < count; i++)
        {
            File.Copy(Jpeg2000File, Path.Combine(folder, $"IM{i:D4}.dcm"));
        }

        return folder;
    }
}
