using Synomaly.Contracts;
using Synomaly.Imaging.Dicom;
using Synomaly.Imaging.Formats;
using Synomaly.Imaging.Images;
using Synomaly.Imaging.Nifti;
using Synomaly.Imaging.Volumes;

namespace Synomaly.Imaging.Reading;

/// <summary>
/// The one entry point for decoding an uploaded scan: checks the size limit before reading, sniffs the format from the
/// content (never the name), dispatches to the format's reader and turns every decoding failure into a
/// <see cref="ScanRejectedException"/> with a code and a reason (<see cref="DecodingFailures"/>). Only cancellation and I/O failures of the source
/// stream itself (a broken download: transient, worth a retry) pass through unchanged.
/// </summary>
public static class ScanReader
{
    public static Volume ReadFile(string path, ScanReadOptions? options = null)
    {
        options ??= ScanReadOptions.Default;
        CheckFileSize(new FileInfo(path).Length, options.Limits);
        using var stream = File.OpenRead(path);
        return Read(stream, options);
    }

    public static Volume Read(Stream stream, ScanReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        options ??= ScanReadOptions.Default;
        return DecodingFailures.Guard(ScanFormat.Unknown, () =>
        {
            long? length = stream.CanSeek ? stream.Length - stream.Position : null;
            if (length is { } known)
            {
                CheckFileSize(known, options.Limits);
            }

            var head = new byte[FormatSniffer.BytesNeeded];
            int n = StreamReading.ReadUpTo(stream, head);
            if (n == 0)
            {
                throw new ScanRejectedException(ScanRejectionCode.Empty, "The file is empty.");
            }

            var format = FormatSniffer.Sniff(head.AsSpan(0, n));
            using var replay = new ByteBudgetStream(new PrefixedStream(head.AsMemory(0, n), new NonClosingStream(stream)), options.Limits.MaxFileBytes, "file");
            return DecodingFailures.Guard(format, () => Dispatch(format, replay, length, options));
        });
    }

    /// <summary>
    /// A folder of DICOM files (one series) assembled into a volume. Only the file count and each file's size are checked
    /// here; the series reader sorts slices by position and handles localizers and mixed series.
    /// </summary>
    public static Volume ReadSeries(IReadOnlyList<string> paths, ScanReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(paths);
        options ??= ScanReadOptions.Default;
        var limits = options.Limits;
        if (paths.Count == 0)
        {
            throw new ScanRejectedException(ScanRejectionCode.Empty, "The series holds no files.");
        }

        if (paths.Count > limits.MaxFiles)
        {
            throw new ScanRejectedException(ScanRejectionCode.LimitExceeded, $"The series has {paths.Count} files; the limit is {limits.MaxFiles}.");
        }

        foreach (var path in paths)
        {
            CheckFileSize(new FileInfo(path).Length, limits);
        }

        return DecodingFailures.Guard(ScanFormat.Dicom, () => DicomVolumeReader.ReadSeries([.. paths.Select(p => (Func<Stream>)(() => File.OpenRead(p)))], limits, options.DicomTranscoder, options.CancellationToken));
    }

    public static ScanDescription Describe(Stream stream, ScanReadOptions? options = null) => ScanDescription.Of(Read(stream, options));

    public static ScanDescription DescribeFile(string path, ScanReadOptions? options = null) => ScanDescription.Of(ReadFile(path, options));

    /// <param name="length">The file's length where the source stream knows it (the replay stream cannot tell).</param>
    private static Volume Dispatch(ScanFormat format, Stream stream, long? length, ScanReadOptions options) => format switch
    {
        ScanFormat.Nifti or ScanFormat.NiftiGzip => NiftiReader.Read(stream, options.Limits, options.Nifti, length),
        ScanFormat.Png or ScanFormat.Jpeg => RasterImageReader.Read(stream, options.Limits, options.CancellationToken),
        ScanFormat.Dicom => DicomVolumeReader.Read(stream, options.Limits, options.DicomTranscoder, options.CancellationToken),
        ScanFormat.Zip => DicomVolumeReader.ReadZip(stream, options.Limits, options.DicomTranscoder, options.CancellationToken),
        _ => throw new ScanRejectedException(ScanRejectionCode.UnknownFormat, "Unknown format: not DICOM, NIfTI, PNG, JPEG or a zip of DICOM files."),
    };

    private static void CheckFileSize(long length, ScanReadLimits limits)
    {
        if (length > limits.MaxFileBytes)
        {
            throw new ScanRejectedException(ScanRejectionCode.LimitExceeded, $"The file has {length} bytes; the limit is {limits.MaxFileBytes}.");
        }

        if (length == 0)
        {
            throw new ScanRejectedException(ScanRejectionCode.Empty, "The file is empty.");
        }
    }
}
