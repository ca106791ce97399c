using System.Globalization;
using Synomaly.Contracts;
using Synomaly.Imaging;
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
    /// The DICOM files <c>detect</c> reads as one series; a folder without any is rejected with a reason that says what
    /// was found and what to give instead. A folder of PNG slices is the first thing many users try, and the reader's
    /// "The series holds no files." sent them looking for a folder that was not empty. Counts only, never names: file
    /// names can carry patient data.
    /// </summary>
    public IReadOnlyList<string> SeriesFiles()
    {
        if (Files.Count == 0)
        {
            throw new ScanRejectedException(ScanRejectionCode.Empty, "The folder holds no files.");
        }

        if (DicomFiles.Count == 0)
        {
            string others = Files.Count == 1 ? "1 other file" : string.Create(CultureInfo.InvariantCulture, $"{Files.Count} other files");
            throw new ScanRejectedException(
                ScanRejectionCode.Empty,
                $"The folder holds no DICOM file ({others}): a folder is read as one DICOM series; give PNG, JPEG or NIfTI files one by one (folder/*.png).");
        }

        return DicomFiles;
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
