using System.Globalization;
using System.IO.Compression;
using Synomaly.Imaging.Volumes;

namespace Synomaly.Imaging.Dicom;

/// <summary>
/// Reads DICOM into <see cref="Volume"/>s: one file (single or multi-frame; frames become slices, ordered and checked
/// like the slices of a series), a series of files, or a zipped series. A scan that cannot be read leaves these methods
/// only as <see cref="ScanRejectedException"/>: every failure while decoding (decoder library, a corrupt zip) is wrapped
/// with a typed code. Failures of the source itself pass through unchanged, as <see cref="Reading.ScanReader"/> says:
/// I/O errors and cancellation of the stream or of opening a series member, and a transcoder's machine faults
/// (<see cref="DicomTranscoderFaultException"/>); they are worth a retry, not a verdict on the scan. Limits are checked
/// before anything large is allocated.
/// The overloads taking an <see cref="IDicomTranscoder"/> hand compressed syntaxes the reader does not decode to it, and
/// stop at their cancellation token before each file of a series, each entry of a zip and each frame.
/// </summary>
public static class DicomVolumeReader
{
    public static Volume Read(Stream stream, ScanReadLimits limits) => Read(stream, limits, transcoder: null);

    public static Volume Read(Stream stream, ScanReadLimits limits, IDicomTranscoder? transcoder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(limits);
        var bytes = ReadInput(stream, limits);
        return Guard(() => DicomSeriesAssembler.AssembleFile(DicomImageDecoder.Decode(bytes, limits, transcoder, cancellationToken), limits));
    }

    public static Volume ReadSeries(IReadOnlyList<Func<Stream>> files, ScanReadLimits limits) => ReadSeries(files, limits, transcoder: null);

    public static Volume ReadSeries(IReadOnlyList<Func<Stream>> files, ScanReadLimits limits, IDicomTranscoder? transcoder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(limits);
        CheckFileCount(files.Count, limits);
        var decoded = new List<DecodedDicom>();
        var notes = new List<string>();
        var skipped = new List<ScanRejectedException>();
        long voxels = 0;
        foreach (var open in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var bytes = ReadMember(open, limits);
            var file = Guard(() => TryDecodeMember(bytes, limits, transcoder, skipped, cancellationToken));
            if (file is null)
            {
                continue;
            }

            // Bound the whole series, not only each file, before holding more decoded voxels.
            voxels += file.Voxels.LongLength;
            if (voxels > limits.MaxVoxels)
            {
                throw DicomRejections.Limit(string.Create(CultureInfo.InvariantCulture, $"the series exceeds {limits.MaxVoxels} voxels"));
            }

            decoded.Add(file);
        }

        if (decoded.Count == 0)
        {
            throw skipped.Count > 0
                ? new ScanRejectedException(skipped[0].Code, "No file of the series holds an image; first: " + skipped[0].Message)
                : new ScanRejectedException(ScanRejectionCode.Empty, "The DICOM series holds no files.");
        }

        if (skipped.Count > 0)
        {
            notes.Add(string.Create(CultureInfo.InvariantCulture, $"{skipped.Count} non-image or non-DICOM files skipped"));
        }

        return Guard(() => DicomSeriesAssembler.Assemble(decoded, limits, notes));
    }

    public static Volume ReadZip(Stream zip, ScanReadLimits limits) => ReadZip(zip, limits, transcoder: null);

    public static Volume ReadZip(Stream zip, ScanReadLimits limits, IDicomTranscoder? transcoder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(zip);
        ArgumentNullException.ThrowIfNull(limits);
        var archiveBytes = ReadInput(zip, limits);
        return ReadSeries(Guard(() => Unzip(archiveBytes, limits, cancellationToken)), limits, transcoder, cancellationToken);
    }

    public static DicomInfo Describe(Stream stream, ScanReadLimits limits)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(limits);
        var bytes = ReadInput(stream, limits);
        return Guard(() =>
        {
            var file = DicomParser.Parse(bytes, limits);
            var ds = file.Dataset;
            bool hasImageModule = ds.Contains(DicomTag.Rows) && ds.Contains(DicomTag.Columns);
            var spacing = ds.GetDecimals(DicomTag.PixelSpacing)
                ?? ds.FirstItem(DicomTag.SharedFunctionalGroupsSequence)?.FirstItem(DicomTag.PixelMeasuresSequence)?.GetDecimals(DicomTag.PixelSpacing);
            return new DicomInfo
            {
                TransferSyntaxUid = file.Syntax.Uid,
                TransferSyntaxName = file.Syntax.Name,
                TransferSyntaxDecodable = file.Syntax.Compression is PixelCompression.None or PixelCompression.EncapsulatedNone or PixelCompression.Rle or PixelCompression.JpegBaseline,
                SopClassUid = file.SopClassUid,
                SopClassName = DicomSopClasses.Name(file.SopClassUid),
                NonImageReason = DicomSopClasses.NonImageReason(file.SopClassUid),
                Modality = ds.GetString(DicomTag.Modality),
                HasPixelData = ds.Contains(DicomTag.PixelData),
                Rows = hasImageModule ? ds.GetUInt16(DicomTag.Rows) : null,
                Columns = hasImageModule ? ds.GetUInt16(DicomTag.Columns) : null,
                Frames = hasImageModule ? Math.Max(1, ds.GetIntegerString(DicomTag.NumberOfFrames) ?? 1) : null,
                SamplesPerPixel = ds.GetUInt16(DicomTag.SamplesPerPixel),
                BitsAllocated = ds.GetUInt16(DicomTag.BitsAllocated),
                BitsStored = ds.GetUInt16(DicomTag.BitsStored),
                Signed = ds.GetUInt16(DicomTag.PixelRepresentation) is { } representation ? representation == 1 : null,
                PhotometricInterpretation = ds.GetString(DicomTag.PhotometricInterpretation),
                SpacingX = spacing is { Length: >= 2 } ? spacing[1] : null,
                SpacingY = spacing is { Length: >= 2 } ? spacing[0] : null,
                SliceThickness = ds.GetDecimal(DicomTag.SliceThickness),
                SpacingBetweenSlices = ds.GetDecimal(DicomTag.SpacingBetweenSlices),
                RescaleSlope = ds.GetDecimal(DicomTag.RescaleSlope),
                RescaleIntercept = ds.GetDecimal(DicomTag.RescaleIntercept),
                Notes = file.Notes,
            };
        });
    }

    /// <summary>
    /// The archive's files (not folders or macOS resource forks) in name order, each inflated into memory. Inside
    /// <see cref="Guard"/>: an IOException here comes from <see cref="ZipArchive"/> on corrupt offsets, a fault of the data.
    /// </summary>
    private static List<Func<Stream>> Unzip(byte[] archiveBytes, ScanReadLimits limits, CancellationToken cancellationToken)
    {
        // Counted (declared, and the directory's records) before ZipArchive makes an object per entry; directory entries
        // and macOS resource forks (one per file) are allowed for, the exact count of files is checked below.
        long allowedEntries = (3L * limits.MaxFiles) + 16;
        if (ZipDirectory.Entries(archiveBytes, allowedEntries) is { } entryCount && entryCount > allowedEntries)
        {
            throw DicomRejections.Limit(string.Create(CultureInfo.InvariantCulture, $"the zip has at least {entryCount} entries; the limit is {limits.MaxFiles} files"));
        }

        using var archive = new ZipArchive(new MemoryStream(archiveBytes, writable: false), ZipArchiveMode.Read);
        var entries = archive.Entries
            .Where(e => !e.FullName.EndsWith('/') && !e.FullName.StartsWith("__MACOSX/", StringComparison.Ordinal))
            .OrderBy(e => e.FullName, StringComparer.Ordinal)
            .ToList();
        CheckFileCount(entries.Count, limits);

        // Entries are inflated one at a time with a running total, so a zip bomb stops at the limit whatever sizes it declares.
        long inflated = 0;
        var members = new List<Func<Stream>>();
        foreach (var entry in entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var entryStream = entry.Open();
            var bytes = BoundedCopy.ReadAll(entryStream, limits.MaxDecompressedBytes - inflated, "the unzipped series");
            inflated += bytes.Length;
            members.Add(() => new MemoryStream(bytes, writable: false));
        }

        return members;
    }

    /// <summary>Decodes one member of a series; non-image objects and non-DICOM files are skipped, other rejections fail the series.</summary>
    private static DecodedDicom? TryDecodeMember(byte[] bytes, ScanReadLimits limits, IDicomTranscoder? transcoder, List<ScanRejectedException> skipped, CancellationToken cancellationToken)
    {
        try
        {
            return DicomImageDecoder.Decode(bytes, limits, transcoder, cancellationToken);
        }
        catch (ScanRejectedException rejected) when (rejected.Code is ScanRejectionCode.NotAnImage or ScanRejectionCode.UnknownFormat or ScanRejectionCode.Empty)
        {
            skipped.Add(rejected);
            return null;
        }
    }

    /// <summary>
    /// Reads a whole file before anything is decoded, outside <see cref="Guard"/>: the stream's own failures (I/O errors,
    /// cancellation) are faults of the source, not properties of the scan, and pass through to be retried. Only a stream
    /// that ends before the length it reported is the file's: truncated, as <see cref="Reading.DecodingFailures"/> has it.
    /// </summary>
    private static byte[] ReadInput(Stream stream, ScanReadLimits limits)
    {
        byte[] bytes;
        try
        {
            bytes = BoundedCopy.ReadAll(stream, limits.MaxFileBytes, "the file");
        }
        catch (EndOfStreamException e)
        {
            throw new ScanRejectedException(ScanRejectionCode.Truncated, "DICOM data ended early.", e);
        }

        return bytes.Length == 0 ? throw new ScanRejectedException(ScanRejectionCode.Empty, "The DICOM file is empty.") : bytes;
    }

    /// <summary>Opens and reads one member of a series, outside <see cref="Guard"/> like <see cref="ReadInput"/>.</summary>
    private static byte[] ReadMember(Func<Stream> open, ScanReadLimits limits)
    {
        using var stream = open();
        return ReadInput(stream, limits);
    }

    private static void CheckFileCount(int count, ScanReadLimits limits)
    {
        if (count > limits.MaxFiles)
        {
            throw DicomRejections.Limit(string.Create(CultureInfo.InvariantCulture, $"{count} files exceed the limit of {limits.MaxFiles}"));
        }
    }

    /// <summary>
    /// The one place where foreign exceptions of decoding become typed rejections. It wraps the decoding of bytes already
    /// read, never the reading: an IOException inside is the data's (a corrupt zip). Cancellation and a transcoder's
    /// machine faults pass through, since they say nothing about the scan.
    /// </summary>
    private static T Guard<T>(Func<T> decode)
    {
        try
        {
            return decode();
        }
        catch (Exception exception) when (exception is not (ScanRejectedException or OperationCanceledException or DicomTranscoderFaultException))
        {
            throw DicomRejections.Wrap(exception);
        }
    }
}
