using System.Globalization;
using Synomaly.Imaging.Volumes;

namespace Synomaly.Imaging.Dicom;

/// <summary>
/// Decodes the image of a parsed file into grey float voxels: rejects non-image objects by SOP class, picks the pixel
/// decoder for the transfer syntax, and hands undecodable compression to the transcoder when one is configured.
/// </summary>
internal static class DicomImageDecoder
{
    private static readonly HashSet<string> SupportedPhotometric =
        ["MONOCHROME1", "MONOCHROME2", "RGB", "YBR_FULL", "YBR_FULL_422", "YBR_PARTIAL_422", "PALETTE COLOR"];

    public static DecodedDicom Decode(byte[] bytes, ScanReadLimits limits, IDicomTranscoder? transcoder, CancellationToken cancellationToken = default)
    {
        var file = DicomParser.Parse(bytes, limits);
        try
        {
            return Decode(file, limits, cancellationToken);
        }
        catch (ScanRejectedException rejected) when (rejected.Code == ScanRejectionCode.UnsupportedTransferSyntax
            && transcoder is not null && transcoder.CanTranscode(file.Syntax.Uid))
        {
            byte[] converted;
            try
            {
                converted = transcoder.Transcode(bytes, file.Syntax.Uid, limits, cancellationToken);
            }
            catch (ScanRejectedException failed) when (failed.Code == ScanRejectionCode.Malformed)
            {
                // The tool failing does not prove the data corrupt (tools have gaps too): the honest reason stays the syntax.
                throw DicomRejections.UnsupportedSyntax(file.Syntax, "the transcoder failed too: " + failed.Message, suggestTools: false);
            }

            var decoded = Decode(DicomParser.Parse(converted, limits), limits, cancellationToken);
            return decoded with { Notes = [.. decoded.Notes, $"pixel data of {file.Syntax.Uid} decompressed by {transcoder.Name}"] };
        }
    }

    /// <param name="cancellationToken">Checked before each frame: a multi-frame file can hold thousands.</param>
    public static DecodedDicom Decode(DicomFile file, ScanReadLimits limits, CancellationToken cancellationToken = default)
    {
        var ds = file.Dataset;
        RejectNonImage(file);
        var pixelElement = ds.Get(DicomTag.PixelData);
        if (pixelElement is null)
        {
            throw ds.Contains(DicomTag.FloatPixelData) || ds.Contains(DicomTag.DoubleFloatPixelData)
                ? DicomRejections.PixelFormat("floating-point pixel data")
                : DicomRejections.NotAnImage($"the object ({DicomSopClasses.Name(file.SopClassUid)}) has no pixel data");
        }

        var pixels = PixelDescription.FromDataset(ds, limits);
        if (pixels.Photometric is "YBR_ICT" or "YBR_RCT" && file.Syntax.Compression is PixelCompression.Jpeg2000 or PixelCompression.HighThroughputJpeg2000)
        {
            // JPEG 2000's own colour transforms: the syntax is what is missing (a transcoder outputs RGB).
            throw DicomRejections.UnsupportedSyntax(file.Syntax);
        }

        if (!SupportedPhotometric.Contains(pixels.Photometric))
        {
            throw DicomRejections.PixelFormat($"photometric interpretation {DicomRejections.ShownPhotometric(pixels.Photometric)}");
        }

        int expectedSamples = pixels.Photometric is "PALETTE COLOR" or "MONOCHROME1" or "MONOCHROME2" ? 1 : 3;
        if (pixels.SamplesPerPixel != expectedSamples)
        {
            throw DicomRejections.PixelFormat($"{pixels.Photometric} with {pixels.SamplesPerPixel} samples per pixel");
        }

        var notes = new List<string>(file.Notes);
        notes.AddRange(pixels.Notes);
        if (pixels.Photometric == "YBR_PARTIAL_422")
        {
            notes.Add("YBR_PARTIAL_422: luma kept in its partial (16-235) range");
        }

        var palette = pixels.Photometric == "PALETTE COLOR" ? PaletteLut.FromDataset(ds) : null;
        // One converter per distinct rescale, built (and so checked against float range) before any frame is decoded.
        var converters = pixels.Rescales.Distinct().ToDictionary(r => r, r => new GreyConverter(pixels, palette, r));
        // Before the volume is allocated: this checks the uncompressed pixel data, and every encapsulated frame, against
        // the declared size, so a tiny file declaring a huge image is rejected as truncated without first allocating gigabytes.
        var frames = DecodeFrames(file, pixelElement, pixels, notes);
        var voxels = new float[(long)pixels.PixelsPerFrame * pixels.Frames];
        // Colour and palette files also keep their blue channel for the ultrasound preset; dropped if a frame has no colour to give it.
        float[]? blue = pixels.SamplesPerPixel == 3 || palette is not null ? new float[voxels.Length] : null;
        foreach (var (frame, index) in frames.Select((f, i) => (f, i)))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var converter = converters[pixels.Rescales[index]];
            converter.Convert(frame, voxels.AsSpan(index * pixels.PixelsPerFrame, pixels.PixelsPerFrame));
            if (blue is not null && !converter.TryConvertBlue(frame, blue.AsSpan(index * pixels.PixelsPerFrame, pixels.PixelsPerFrame)))
            {
                blue = null;
            }
        }

        var imageType = ds.GetStrings(DicomTag.ImageType);
        var decoded = new DecodedDicom(
            voxels,
            pixels,
            SliceGeometry.ReadFrames(ds, pixels.Frames, notes),
            file.Syntax,
            ParseModality(ds.GetString(DicomTag.Modality)),
            ds.GetString(DicomTag.SeriesInstanceUid),
            ds.GetIntegerString(DicomTag.InstanceNumber),
            imageType.Any(t => t.Equals("LOCALIZER", StringComparison.OrdinalIgnoreCase)),
            notes.Distinct().ToList())
        {
            BlueChannel = blue,
            FramesAreTimePoints = pixels.Frames > 1 && FrameIncrement.IsTemporal(ds),
        };
        return SiemensMosaic.Unpack(ds, decoded, limits);
    }

    public static void RejectNonImage(DicomFile file)
    {
        string? sop = file.SopClassUid;
        if (DicomSopClasses.NonImageReason(sop) is { } reason)
        {
            // The family match is by prefix, so the UID may carry any text after it: show it only if it is a UID.
            throw DicomRejections.NotAnImage($"{DicomSopClasses.Name(sop)} ({DicomRejections.ShownUid(sop)}) is {reason}");
        }
    }

    public static Modality ParseModality(string? modality) => modality?.ToUpperInvariant() switch
    {
        null => Modality.Unknown,
        "MR" => Modality.MR,
        "CT" => Modality.CT,
        "US" => Modality.US,
        _ => Modality.Other,
    };

    /// <summary>
    /// Checks at once what can be checked without decoding (the syntax, the encapsulation, the length of uncompressed
    /// pixel data), then decodes the frames lazily, one at a time. Not an iterator method, so that the checks run on the call.
    /// </summary>
    private static IEnumerable<DecodedFrame> DecodeFrames(DicomFile file, DicomElement pixelElement, PixelDescription pixels, List<string> notes)
    {
        var syntax = file.Syntax;
        switch (syntax.Compression)
        {
            case PixelCompression.None:
                return DecodeNative(pixelElement, pixels, syntax);
            case PixelCompression.EncapsulatedNone:
                return Fragments(file, pixelElement, pixels, notes, frame => CheckNativeFrame(frame.Span, pixels))
                    .Select(frame => DecodeNativeFrame(frame.Span, pixels, false));
            case PixelCompression.Rle:
                return Fragments(file, pixelElement, pixels, notes, frame => RleDecoder.Check(frame.Span, pixels))
                    .Select(frame => RleDecoder.Decode(frame.Span, pixels, notes));
            case PixelCompression.JpegBaseline:
                if (pixels.BitsAllocated != 8 && pixels.BitsStored > 8)
                {
                    throw DicomRejections.UnsupportedSyntax(syntax, string.Create(CultureInfo.InvariantCulture, $"{pixels.BitsStored}-bit JPEG (only 8-bit is decoded)"));
                }

                return Fragments(file, pixelElement, pixels, notes, frame => JpegFrameDecoder.Check(frame.Span, pixels, syntax))
                    .Select(frame => JpegFrameDecoder.Decode(frame, pixels, syntax, notes));
            default:
                throw DicomRejections.UnsupportedSyntax(syntax);
        }
    }

    /// <summary>
    /// The frames of encapsulated pixel data, each already passed through <paramref name="check"/>: the compressed
    /// counterpart of comparing uncompressed pixel data with the declared size. It runs on every frame before the volume
    /// is allocated, so a tiny file declaring a huge image (within the limits) is rejected without allocating it.
    /// </summary>
    private static List<ReadOnlyMemory<byte>> Fragments(DicomFile file, DicomElement pixelElement, PixelDescription pixels, List<string> notes, Action<ReadOnlyMemory<byte>> check)
    {
        var encapsulated = pixelElement.Encapsulated
            ?? throw DicomRejections.Malformed($"{file.Syntax.Name} pixel data is not encapsulated");
        List<ReadOnlyMemory<byte>> frames = [.. EncapsulatedFrames.Split(encapsulated, file.Dataset, pixels.Frames, file.Syntax.Compression, notes)];
        frames.ForEach(check);
        return frames;
    }

    private static IEnumerable<DecodedFrame> DecodeNative(DicomElement pixelElement, PixelDescription pixels, DicomTransferSyntax syntax)
    {
        if (pixelElement.Encapsulated is not null)
        {
            throw DicomRejections.Malformed($"encapsulated pixel data in the uncompressed transfer syntax {DicomRejections.ShownUid(syntax.Uid)}");
        }

        long frameBytes = pixels.NativeFrameBytes;
        long needed = frameBytes * pixels.Frames;
        var data = pixelElement.Value;
        if (data.Length < needed)
        {
            throw DicomRejections.Truncated(string.Create(CultureInfo.InvariantCulture, $"pixel data holds {data.Length} of {needed} bytes"));
        }

        if (syntax.BigEndian && pixelElement.Vr == "OW" && pixels.BitsAllocated == 8)
        {
            // 8-bit samples in a big endian OW value sit byte-swapped within its 16-bit words. The words span the whole
            // (even-padded) value, not each frame: with an odd pixel count a frame starts mid-word.
            data = SwapBytePairs(data.Span[..(int)Math.Min(data.Length, needed + (needed % 2))]);
        }

        return Enumerable.Range(0, pixels.Frames)
            .Select(f => DecodeNativeFrame(data.Span.Slice((int)(f * frameBytes), (int)frameBytes), pixels, syntax.BigEndian));
    }

    private static byte[] SwapBytePairs(ReadOnlySpan<byte> words)
    {
        var swapped = words.ToArray();
        for (int i = 0; i + 1 < swapped.Length; i += 2)
        {
            (swapped[i], swapped[i + 1]) = (swapped[i + 1], swapped[i]);
        }

        return swapped;
    }

    private static DecodedFrame DecodeNativeFrame(ReadOnlySpan<byte> frame, PixelDescription pixels, bool bigEndian)
    {
        CheckNativeFrame(frame, pixels);
        return NativePixelDecoder.Decode(frame[..(int)pixels.NativeFrameBytes], pixels, bigEndian);
    }

    private static void CheckNativeFrame(ReadOnlySpan<byte> frame, PixelDescription pixels)
    {
        if (frame.Length < pixels.NativeFrameBytes)
        {
            throw DicomRejections.Truncated(string.Create(CultureInfo.InvariantCulture,
                $"an uncompressed frame holds {frame.Length} of {pixels.NativeFrameBytes} bytes"));
        }
    }
}
