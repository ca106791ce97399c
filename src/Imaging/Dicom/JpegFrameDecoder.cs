using System.Globalization;
using BitMiracle.LibJpeg.Classic;

namespace Synomaly.Imaging.Dicom;

/// <summary>
/// JPEG baseline and extended (8-bit, Huffman or arithmetic, sequential or progressive) through BitMiracle.LibJpeg.NET.
/// The decoder is told not to convert colour, so the reader gets the components as coded and decides itself: YCbCr
/// keeps its Y, RGB becomes luminance. 12-bit and lossless JPEG are rejected with the transfer syntax named (a
/// transcoder can take them).
/// </summary>
internal static class JpegFrameDecoder
{
    public static DecodedFrame Decode(ReadOnlyMemory<byte> jpeg, PixelDescription pixels, DicomTransferSyntax syntax, ICollection<string> notes)
    {
        var header = Check(jpeg.Span, pixels, syntax);
        var color = ChooseColor(header, pixels.Photometric);
        var errors = new QuietErrorManager();
        var decompressor = new jpeg_decompress_struct(errors);
        using var input = new MemoryStream(jpeg.ToArray(), writable: false);
        decompressor.jpeg_stdio_src(input);
        decompressor.jpeg_read_header(true);
        var space = color switch
        {
            FrameColor.Rgb => J_COLOR_SPACE.JCS_RGB,
            FrameColor.Ybr => J_COLOR_SPACE.JCS_YCbCr,
            _ => J_COLOR_SPACE.JCS_GRAYSCALE,
        };
        decompressor.Jpeg_color_space = space;
        decompressor.Out_color_space = space;
        decompressor.jpeg_start_decompress();
        int width = decompressor.Output_width;
        int height = decompressor.Output_height;
        int components = decompressor.Output_components;
        if (width != pixels.Columns || height != pixels.Rows || components != pixels.SamplesPerPixel)
        {
            throw DicomRejections.Malformed("the JPEG decoder output does not match the declared image size");
        }

        int count = width * height;
        var values = new int[count * components];
        var row = jpeg_common_struct.AllocJpegSamples(width * components, 1);
        while (decompressor.Output_scanline < height)
        {
            int y = decompressor.Output_scanline;
            if (decompressor.jpeg_read_scanlines(row, 1) != 1)
            {
                throw DicomRejections.Truncated("a JPEG frame ended before its last row");
            }

            var line = row[0];
            for (int x = 0; x < width; x++)
            {
                for (int c = 0; c < components; c++)
                {
                    values[(c * count) + (y * width) + x] = line[(x * components) + c];
                }
            }
        }

        decompressor.jpeg_finish_decompress();
        if (errors.EndedEarly)
        {
            // libjpeg fills the rows it never got with one value and only warns: a map of them would be a map of filler.
            throw DicomRejections.Truncated("a JPEG frame's data ends before its image does (the decoder reports a premature end of data)");
        }

        if (errors.Num_warnings > 0)
        {
            notes.Add(string.Create(CultureInfo.InvariantCulture, $"the JPEG decoder reported {errors.Num_warnings} warnings (corrupt data)"));
        }

        return new DecodedFrame(values, components, color);
    }

    /// <summary>
    /// What can be checked without decoding, run on every frame before the volume is allocated: a process this reader
    /// decodes, the declared size and components, and enough bytes for that size. libjpeg decodes a frame that ends early
    /// into a mostly grey one with only a warning, so without the last check a tiny frame declaring a huge image would
    /// have the whole volume allocated for it.
    /// </summary>
    public static JpegHeader Check(ReadOnlySpan<byte> jpeg, PixelDescription pixels, DicomTransferSyntax syntax)
    {
        var header = JpegHeader.Read(jpeg);
        if (header.IsLossless)
        {
            throw DicomRejections.UnsupportedSyntax(syntax, "the frames are coded with a lossless JPEG process");
        }

        if (header.Precision != 8)
        {
            throw DicomRejections.UnsupportedSyntax(syntax, string.Create(CultureInfo.InvariantCulture, $"{header.Precision}-bit JPEG (only 8-bit is decoded)"));
        }

        if (header.Width != pixels.Columns || header.Height != pixels.Rows)
        {
            throw DicomRejections.Malformed(string.Create(CultureInfo.InvariantCulture,
                $"a JPEG frame is {header.Width}x{header.Height} but the header declares {pixels.Columns}x{pixels.Rows}"));
        }

        if (header.ComponentIds.Length != pixels.SamplesPerPixel)
        {
            throw DicomRejections.Malformed(string.Create(CultureInfo.InvariantCulture,
                $"a JPEG frame has {header.ComponentIds.Length} components but SamplesPerPixel is {pixels.SamplesPerPixel}"));
        }

        if (!header.IsArithmetic && (long)jpeg.Length * 8 < header.DataUnits)
        {
            throw DicomRejections.Truncated(string.Create(CultureInfo.InvariantCulture,
                $"a JPEG frame of {jpeg.Length} bytes cannot hold the {header.DataUnits} blocks of a {header.Width}x{header.Height} image (at least 1 bit each)"));
        }

        return header;
    }

    /// <summary>
    /// Colour model of a 3-component frame. The JPEG's own markers win (Adobe transform, JFIF, component ids 'R','G','B'),
    /// then chroma subsampling (only YCbCr is subsampled: gdcm writes such frames labelled RGB); otherwise the DICOM
    /// photometric interpretation decides, as dcmtk does: RGB means the components are RGB.
    /// </summary>
    private static FrameColor ChooseColor(JpegHeader header, string photometric)
    {
        if (header.ComponentIds.Length == 1)
        {
            return FrameColor.Stored;
        }

        if (header.AdobeTransform is { } transform)
        {
            return transform == 0 ? FrameColor.Rgb : FrameColor.Ybr;
        }

        if (header.HasJfif)
        {
            return FrameColor.Ybr;
        }

        if (header.ComponentIds is [(byte)'R', (byte)'G', (byte)'B'])
        {
            return FrameColor.Rgb;
        }

        return photometric == "RGB" && !header.IsSubsampled ? FrameColor.Rgb : FrameColor.Ybr;
    }

    /// <summary>
    /// Keeps libjpeg's warnings off the console (they are counted and noted instead); errors still throw. Notes whether a
    /// warning said the data ended early: the input ran out (JWRN_JPEG_EOF), or a marker came where entropy-coded data
    /// should have (JWRN_HIT_MARKER, "premature end of data segment").
    /// </summary>
    private sealed class QuietErrorManager : jpeg_error_mgr
    {
        public bool EndedEarly { get; private set; }

        public override void emit_message(int msg_level)
        {
            if (msg_level < 0)
            {
                // Formatting looks the warning's code up through GetMessageText, where it is seen.
                _ = format_message();
            }

            base.emit_message(msg_level);
        }

        public override void output_message()
        {
        }

        protected override string GetMessageText(int code)
        {
            EndedEarly |= code is (int)J_MESSAGE_CODE.JWRN_JPEG_EOF or (int)J_MESSAGE_CODE.JWRN_HIT_MARKER;
            return base.GetMessageText(code);
        }
    }
}
