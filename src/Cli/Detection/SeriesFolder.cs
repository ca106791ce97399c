using Synomaly.Contracts;
using Synomaly.Imaging.Formats;

namespace Synomaly.Cli.Detection;

/// <summary>
/// A folder given as a scan: one DICOM series, its DICOM files found at any depth (as <c>inspect</c> reads a folder), in
/// path order; other files beside them (a README, a DICOMDIR viewer) are left out by their content, not their names.
/// </summary>
public static class SeriesFolder
{
    public static IReadOnlyList<string> DicomFiles(string folder) =>
        [.. Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Where(IsDicom)];

    private static bool IsDicom(string path)
    {
        using var stream = File.OpenRead(path);
        var head = new byte[FormatSniffer.BytesNeeded];
        int n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        return FormatSniffer.Sniff(head.AsSpan(0, n)) == ScanFormat.Dicom;
    }
}
