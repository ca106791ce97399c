using Synomaly.Contracts;
using Synomaly.Imaging.Formats;

namespace Synomaly.Cli.Detection;

/// <summary>
/// A folder given as a scan: every file in it at any depth, in path order, split by content (not by name) into the DICOM
/// files, one series, and the others beside them (a README, a DICOMDIR viewer). <c>detect</c> reads the series, and
/// <c>inspect</c> describes the series and each other file: one listing and one sniff of each file serve both.
/// </summary>
public sealed record SeriesFolder(IReadOnlyList<string> Files, IReadOnlyList<string> DicomFiles, IReadOnlyList<string> OtherFiles)
{
    public static SeriesFolder Read(string folder)
    {
        var files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        var dicom = new List<string>();
        var others = new List<string>();
        foreach (string file in files)
        {
            (IsDicom(file) ? dicom : others).Add(file);
        }

        return new SeriesFolder(files, dicom, others);
    }

    /// <summary>
    /// A file that cannot be opened (a broken link, no permission) is not taken for part of the series: it goes with the
    /// other files, where <c>inspect</c> reports it and <c>detect</c> leaves it out, instead of failing the whole series.
    /// </summary>
    private static bool IsDicom(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            var head = new byte[FormatSniffer.BytesNeeded];
            int n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            return FormatSniffer.Sniff(head.AsSpan(0, n)) == ScanFormat.Dicom;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
