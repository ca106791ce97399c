using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using Synomaly.Contracts;
using Synomaly.Imaging.Reading;
using Synomaly.Imaging.Volumes;

namespace Synomaly.Imaging.Images;

/// <summary>
/// Reads PNG and JPEG frames (ultrasound exports, brain slices) into a one-slice <see cref="Volume"/> through ImageSharp.
/// Grey images keep their stored values (0-255, or 0-65535 for 16-bit PNG); colour images become luminance with the
/// ITU-R BT.601 weights (0.299 R + 0.587 G + 0.114 B, as Pillow's "L" conversion), and their blue channel is kept
/// beside them (<see cref="Volume.BlueChannel"/>) for the ultrasound preset, whose reference reads it. The file's structure is walked to
/// its end marker and the header identified first, so that a cut-off file is Truncated and the dimension and
/// decoded-size limits are checked before any pixel is decoded. Every failure is a <see cref="ScanRejectedException"/>,
/// except cancellation, which passes through as <see cref="OperationCanceledException"/>.
/// </summary>
public static class RasterImageReader
{
    /// <summary>
    /// ImageSharp's defaults, except that PNG metadata is skipped: its decoder inflates zTXt and iTXt text chunks without
    /// any bound, even while identifying, so a small file could expand to gigabytes before the limits are checked. No
    /// text or profile of an image is used here anyway.
    /// </summary>
    private static readonly Configuration Decoding = CreateConfiguration();

    /// <param name="cancellationToken">
    /// Checked while the bytes are copied in, before each stage (structure walk, identification, decoding) and each row of
    /// the pixels, and handed to ImageSharp's decoder: a shutdown or Ctrl-C does not wait for a large image from a slow source.
    /// </param>
    public static Volume Read(Stream stream, ScanReadLimits limits, CancellationToken cancellationToken = default)
    {
        var bytes = ReadAll(stream, limits, cancellationToken);
        var format = DetectFormat(bytes);
        // ImageSharp 2.1 throws plain .NET exceptions on some bad files (a NullReferenceException for a JPEG whose scan
        // comes before its frame header, an IndexOutOfRangeException for a PNG cut in the chunk after IHDR); the shared
        // guard types them as ScanReader does, so this public reader never lets them escape.
        return DecodingFailures.Guard(format, () => Decode(bytes, format, limits, cancellationToken));
    }

    private static ScanFormat DetectFormat(byte[] bytes) => Image.DetectFormat(Decoding, bytes)?.Name switch
    {
        "PNG" => ScanFormat.Png,
        "JPEG" => ScanFormat.Jpeg,
        null => throw new ScanRejectedException(ScanRejectionCode.UnknownFormat, "Not a PNG or JPEG image."),
        var other => throw new ScanRejectedException(ScanRejectionCode.UnknownFormat, $"Image format {other} is not accepted; upload PNG or JPEG."),
    };

    private static Volume Decode(byte[] bytes, ScanFormat format, ScanReadLimits limits, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        // Before ImageSharp parses anything: a file cut short is Truncated wherever the cut falls, not Malformed because
        // the decoder happened to trip over the missing bytes first.
        CheckComplete(bytes, format);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            var info = Image.Identify(Decoding, bytes, out var imageFormat)
                ?? throw new ScanRejectedException(ScanRejectionCode.UnknownFormat, "Not a PNG or JPEG image.");
            CheckLimits(info.Width, info.Height, limits);
            var layout = Layout(info, format);
            var pixels = new EncodedImage(bytes, imageFormat, cancellationToken);
            var planes = layout switch
            {
                PixelLayout.Grey8 => Decode<L8>(pixels, p => p.PackedValue),
                PixelLayout.Grey16 => Decode<L16>(pixels, p => p.PackedValue),
                PixelLayout.Colour16 => Decode<Rgb48>(pixels, p => (0.299f * p.R) + (0.587f * p.G) + (0.114f * p.B), p => p.B),
                _ => Decode<Rgb24>(pixels, p => (0.299f * p.R) + (0.587f * p.G) + (0.114f * p.B), p => p.B),
            };
            var provenance = new VolumeProvenance
            {
                Format = format,
                BitsStored = layout is PixelLayout.Grey16 or PixelLayout.Colour16 ? 16 : 8,
                PhotometricInterpretation = layout is PixelLayout.Grey8 or PixelLayout.Grey16 ? "MONOCHROME2" : "RGB",
                Notes = planes.Length > 1 ? ["Colour image converted to grey luminance (BT.601 weights); its blue channel is kept for the ultrasound preset."] : [],
            };
            return new Volume(planes[0], info.Width, info.Height, 1, VolumeGeometry.Unit(), Modality.Unknown, provenance)
            {
                BlueChannel = planes.Length > 1 ? planes[1] : null,
            };
        }
        catch (UnknownImageFormatException e)
        {
            throw new ScanRejectedException(ScanRejectionCode.UnknownFormat, "Not a PNG or JPEG image.", e);
        }
        catch (ImageFormatException e)
        {
            // InvalidImageContentException too (it derives from ImageFormatException).
            throw new ScanRejectedException(ScanRejectionCode.Malformed, "The image data is corrupt.", e);
        }
        catch (NotSupportedException e)
        {
            throw new ScanRejectedException(ScanRejectionCode.UnsupportedPixelFormat, "The image uses an encoding feature that is not decoded.", e);
        }
    }

    /// <summary>An image's bytes, its format as identified and the read's token: what decoding its pixels needs.</summary>
    private sealed record EncodedImage(byte[] Bytes, IImageFormat Format, CancellationToken CancellationToken);

    private enum PixelLayout
    {
        Grey8,
        Grey16,
        Colour8,
        Colour16,
    }

    private static PixelLayout Layout(IImageInfo info, ScanFormat format)
    {
        if (format == ScanFormat.Png)
        {
            var png = info.Metadata.GetPngMetadata();
            bool deep = png.BitDepth == PngBitDepth.Bit16;
            return png.ColorType switch
            {
                PngColorType.Grayscale or PngColorType.GrayscaleWithAlpha => deep ? PixelLayout.Grey16 : PixelLayout.Grey8,
                PngColorType.Rgb or PngColorType.RgbWithAlpha => deep ? PixelLayout.Colour16 : PixelLayout.Colour8,
                _ => PixelLayout.Colour8,
            };
        }

        // Baseline JPEG: one component (8 bits per pixel) is grey, three are colour.
        return info.PixelType.BitsPerPixel <= 8 ? PixelLayout.Grey8 : PixelLayout.Colour8;
    }

    /// <summary>One plane per projection of the decoded pixels (grey or luminance first, then the blue channel of colour).</summary>
    private static float[][] Decode<TPixel>(EncodedImage encoded, params Func<TPixel, float>[] projections)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        encoded.CancellationToken.ThrowIfCancellationRequested();
        // The format's decoder itself rather than Image.Load, which has no token in ImageSharp 2.1: the decoder takes one.
        var decoder = Decoding.ImageFormatsManager.FindDecoder(encoded.Format);
        using var stream = new MemoryStream(encoded.Bytes, writable: false);
        using var image = decoder.Decode<TPixel>(Decoding, stream, encoded.CancellationToken);
        var planes = projections.Select(_ => new float[image.Width * image.Height]).ToArray();
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                encoded.CancellationToken.ThrowIfCancellationRequested();
                var row = rows.GetRowSpan(y);
                for (int p = 0; p < planes.Length; p++)
                {
                    for (int x = 0; x < row.Length; x++)
                    {
                        planes[p][(y * rows.Width) + x] = projections[p](row[x]);
                    }
                }
            }
        });
        return planes;
    }

    private static Configuration CreateConfiguration()
    {
        var configuration = Configuration.Default.Clone();
        configuration.ImageFormatsManager.SetDecoder(PngFormat.Instance, new PngDecoder { IgnoreMetadata = true });
        return configuration;
    }

    /// <summary>
    /// ImageSharp decodes a cut-off file into a partly blank image without complaint; a scan must not be silently
    /// incomplete, so the file's structure has to reach its end marker (PNG IEND chunk, JPEG EOI). Data after the marker
    /// (Motion Photo videos, bytes after IEND) is allowed.
    /// </summary>
    private static void CheckComplete(byte[] bytes, ScanFormat format)
    {
        bool complete = format == ScanFormat.Png ? ImageEndFinder.PngReachesEnd(bytes) : ImageEndFinder.JpegReachesEnd(bytes);
        if (!complete)
        {
            throw new ScanRejectedException(ScanRejectionCode.Truncated, $"The {format} file ends before its end marker: it is truncated.");
        }
    }

    private static void CheckLimits(int width, int height, ScanReadLimits limits)
    {
        if (width <= 0 || height <= 0)
        {
            throw new ScanRejectedException(ScanRejectionCode.Malformed, $"The image declares {width}x{height} pixels.");
        }

        if (width > limits.MaxDimension || height > limits.MaxDimension)
        {
            throw new ScanRejectedException(ScanRejectionCode.LimitExceeded, $"Image size {width}x{height} exceeds the limit of {limits.MaxDimension}.");
        }

        // Decoding holds the decoded image (1 to 6 bytes per pixel) and one float result per pixel, two for colour
        // (luminance and the blue channel): 12 bytes covers all but 16-bit colour PNGs (14), which are rare.
        if ((long)width * height * 12 > limits.MaxDecompressedBytes || (long)width * height > limits.MaxVoxels)
        {
            throw new ScanRejectedException(ScanRejectionCode.LimitExceeded, $"Decoding {width}x{height} pixels exceeds the decompressed-size limit.");
        }
    }

    private static byte[] ReadAll(Stream stream, ScanReadLimits limits, CancellationToken cancellationToken)
    {
        long max = Math.Min(limits.MaxFileBytes, Array.MaxLength);
        using var copy = new MemoryStream();
        var budget = new ByteBudgetStream(new NonClosingStream(stream), max, "image file");
        // Chunk by chunk with the token checked before each: a large image from a slow share or download is not read to its
        // end after a stop.
        var chunk = new byte[81920];
        int read;
        do
        {
            cancellationToken.ThrowIfCancellationRequested();
            read = budget.Read(chunk);
            copy.Write(chunk, 0, read);
        }
        while (read > 0);
        if (copy.Length == 0)
        {
            throw new ScanRejectedException(ScanRejectionCode.Empty, "The file is empty.");
        }

        return copy.ToArray();
    }
}
