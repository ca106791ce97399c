using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using Synomaly.Contracts;
using Synomaly.Imaging.Images;
using Synomaly.Imaging.Reading;
using Synomaly.Testing;

namespace Synomaly.Imaging.Tests.Images;

public sealed class RasterImageReaderTests
{
    private static byte[] Encode<TPixel>(Image<TPixel> image, bool jpeg = false)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        using var stream = new MemoryStream();
        if (jpeg)
        {
            image.Save(stream, new JpegEncoder { Quality = 100, ColorType = JpegColorType.Luminance });
        }
        else
        {
            image.Save(stream, new PngEncoder());
        }

        return stream.ToArray();
    }

    [Fact]
    public void The_ultrasound_png_reads_as_8_bit_grey()
    {
        using var stream = File.OpenRead(Path.Combine(TestPaths.Data, "formats", "ultrasound", "neck_input.png"));

        var volume = RasterImageReader.Read(stream, ScanReadLimits.Default, TestContext.Current.CancellationToken);

        Assert.Equal((568, 597, 1), (volume.Width, volume.Height, volume.Depth));
        Assert.Equal(ScanFormat.Png, volume.Provenance.Format);
        Assert.Equal(8, volume.Provenance.BitsStored);
        Assert.Equal("MONOCHROME2", volume.Provenance.PhotometricInterpretation);
        Assert.InRange(volume.Voxels.Max(), 200, 255);
        Assert.All(volume.Voxels, v => Assert.Equal(MathF.Round(v), v));
    }

    [Fact]
    public void Sixteen_bit_grey_keeps_its_stored_values()
    {
        using var image = new Image<L16>(3, 2);
        ushort[] values = [0, 1, 1000, 40000, 65535, 12345];
        for (int i = 0; i < values.Length; i++)
        {
            image[i % 3, i / 3] = new L16(values[i]);
        }

        var volume = RasterImageReader.Read(new MemoryStream(Encode(image)), ScanReadLimits.Default, TestContext.Current.CancellationToken);

        Assert.Equal(values.Select(v => (float)v), volume.Voxels);
        Assert.Equal(16, volume.Provenance.BitsStored);
    }

    [Fact]
    public void Rgb_becomes_luminance()
    {
        using var image = new Image<Rgb24>(3, 1);
        image[0, 0] = new Rgb24(255, 0, 0);
        image[1, 0] = new Rgb24(0, 255, 0);
        image[2, 0] = new Rgb24(90, 90, 90);

        var volume = RasterImageReader.Read(new MemoryStream(Encode(image)), ScanReadLimits.Default, TestContext.Current.CancellationToken);

        Assert.Equal(0.299f * 255, volume.Voxels[0], 3);
        Assert.Equal(0.587f * 255, volume.Voxels[1], 3);
        Assert.Equal(90f, volume.Voxels[2], 3);
        Assert.Equal("RGB", volume.Provenance.PhotometricInterpretation);
    }

    [Fact]
    public void Rgb_keeps_its_blue_channel_beside_the_luminance()
    {
        using var image = new Image<Rgb24>(3, 1);
        image[0, 0] = new Rgb24(255, 0, 10);
        image[1, 0] = new Rgb24(0, 255, 200);
        image[2, 0] = new Rgb24(90, 90, 90);

        var volume = RasterImageReader.Read(new MemoryStream(Encode(image)), ScanReadLimits.Default, TestContext.Current.CancellationToken);

        Assert.Equal([10f, 200f, 90f], Assert.IsType<float[]>(volume.BlueChannel));
        Assert.Equal((0.299f * 255) + (0.114f * 10), volume.Voxels[0], 3);
    }

    [Fact]
    public void A_grey_image_has_no_separate_blue_channel()
    {
        using var image = new Image<L8>(2, 1);
        image[0, 0] = new L8(7);

        var volume = RasterImageReader.Read(new MemoryStream(Encode(image)), ScanReadLimits.Default, TestContext.Current.CancellationToken);

        Assert.Null(volume.BlueChannel);
    }

    [Fact]
    public void Grey_jpeg_reads_close_to_its_source()
    {
        using var image = new Image<L8>(16, 16);
        for (int i = 0; i < 256; i++)
        {
            image[i % 16, i / 16] = new L8((byte)(i / 2));
        }

        var volume = RasterImageReader.Read(new MemoryStream(Encode(image, jpeg: true)), ScanReadLimits.Default, TestContext.Current.CancellationToken);

        Assert.Equal(ScanFormat.Jpeg, volume.Provenance.Format);
        Assert.Equal("MONOCHROME2", volume.Provenance.PhotometricInterpretation);
        for (int i = 0; i < 256; i++)
        {
            Assert.InRange(volume.Voxels[i], (i / 2) - 6, (i / 2) + 6);
        }
    }

    [Fact]
    public void A_compressed_text_chunk_bomb_is_not_inflated()
    {
        // 64 MB of zeros deflate to about 64 KB; ImageSharp would inflate the text while only identifying the header.
        using var image = new Image<L8>(4, 4);
        image[1, 2] = new L8(77);
        var png = Encode(image);
        using var text = new MemoryStream();
        text.Write("Comment\0\0"u8);
        using (var zlib = new ZLibStream(text, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var zeros = new byte[1024 * 1024];
            for (int i = 0; i < 64; i++)
            {
                zlib.Write(zeros);
            }
        }

        // The zTXt chunk goes right after IHDR (8-byte signature, then 25 bytes of IHDR chunk).
        var bomb = png[..33].Concat(PngChunk("zTXt", text.ToArray())).Concat(png[33..]).ToArray();
        long before = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();

        var volume = RasterImageReader.Read(new MemoryStream(bomb), ScanReadLimits.Default, TestContext.Current.CancellationToken);

        // Milliseconds when the bomb is refused; 30 s only catches a hang, with room for a loaded 2-core CI machine.
        Assert.InRange(watch.Elapsed.TotalSeconds, 0, 30);
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 16 * 1024 * 1024);
        Assert.Equal(77f, volume[1, 2, 0]);
    }

    /// <summary>A PNG chunk: length, type, data, CRC-32 of type and data.</summary>
    private static byte[] PngChunk(string type, byte[] data)
    {
        var chunk = new byte[12 + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(chunk, data.Length);
        Encoding.ASCII.GetBytes(type).CopyTo(chunk, 4);
        data.CopyTo(chunk, 8);
        uint crc = 0xFFFFFFFF;
        foreach (byte b in chunk.AsSpan(4, 4 + data.Length))
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
            }
        }

        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + data.Length), ~crc);
        return chunk;
    }

    [Fact]
    public void Complete_images_with_more_than_a_kilobyte_after_their_end_marker_read_whole()
    {
        using var image = Noise();
        var png = Encode(image);
        var jpeg = Encode(image, jpeg: true);
        // A Motion Photo appends its video (an MP4, 'ftyp' box first) after the JPEG's EOI; PNGs may carry bytes after IEND.
        byte[] trailer = [0, 0, 0, 0x18, .. "ftypmp42"u8, .. Enumerable.Range(0, 8192).Select(i => (byte)(i * 31))];

        Assert.Equal(Read(png).Voxels, Read([.. png, .. trailer]).Voxels);
        Assert.Equal(Read(jpeg).Voxels, Read([.. jpeg, .. trailer]).Voxels);
    }

    [Fact]
    public void Truncated_images_stay_truncated_whatever_their_tail_holds()
    {
        var png = File.ReadAllBytes(Path.Combine(TestPaths.Data, "formats", "ultrasound", "neck_input.png"));
        using var image = Noise();
        var jpeg = Encode(image, jpeg: true);
        // An EXIF segment holding a thumbnail (with its own EOI) before the image: the thumbnail's end is not the image's.
        byte[] exif = [.. "Exif\0\0"u8, .. jpeg];
        byte[] withThumbnail = [0xFF, 0xD8, 0xFF, 0xE1, (byte)((exif.Length + 2) >> 8), (byte)(exif.Length + 2), .. exif, .. jpeg[2..]];

        // Cuts inside the pixel data (the PNG's IDAT, the JPEG's scan), and right before the end marker.
        foreach (var cut in new[] { png[..(png.Length / 2)], png[..^12], jpeg[..^(jpeg.Length / 4)], jpeg[..^2], withThumbnail[..^(jpeg.Length / 4)] })
        {
            Assert.Equal(ScanRejectionCode.Truncated, Assert.Throws<ScanRejectedException>(() => Read(cut)).Code);
        }

        Assert.Equal(Read(jpeg).Voxels, Read(withThumbnail).Voxels);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_file_cut_anywhere_after_its_signature_is_truncated_when_read_directly_as_through_the_scan_reader(bool jpeg)
    {
        using var image = Noise();
        var bytes = Encode(image, jpeg);
        // PNG: the cut must fall before IEND's type (its 4-byte CRC may be missing); JPEG: before EOI's second byte.
        int lastCut = jpeg ? bytes.Length - 1 : bytes.Length - 5;

        // Every cut: in the header, in the chunks or tables before the pixel data (where ImageSharp threw plain .NET
        // exceptions), in the pixel data, and right before the end marker.
        for (int cut = 16; cut <= lastCut; cut++)
        {
            var part = bytes[..cut];
            var direct = Assert.Throws<ScanRejectedException>(() => Read(part));
            var scanned = Assert.Throws<ScanRejectedException>(() => ScanReader.Read(new MemoryStream(part)));

            Assert.True(direct.Code == ScanRejectionCode.Truncated, $"cut at {cut} of {bytes.Length}: {direct.Code}");
            Assert.Equal(direct.Code, scanned.Code);
        }
    }

    [Fact]
    public void A_complete_jpeg_that_trips_the_decoder_is_malformed_when_read_directly_as_through_the_scan_reader()
    {
        using var image = Noise();
        var jpeg = Encode(image, jpeg: true);
        // The first quantization table's marker (DQT) turned into a start of scan: the file still walks to its EOI, and
        // ImageSharp 2.1 meets a scan before any frame header with a NullReferenceException.
        int table = jpeg.AsSpan().IndexOf([(byte)0xFF, (byte)0xDB]);
        jpeg[table + 1] = 0xDA;

        var direct = Assert.Throws<ScanRejectedException>(() => Read(jpeg));
        var scanned = Assert.Throws<ScanRejectedException>(() => ScanReader.Read(new MemoryStream(jpeg)));

        Assert.Equal(ScanRejectionCode.Malformed, direct.Code);
        Assert.Equal(direct.Code, scanned.Code);
    }

    /// <summary>A 64x64 image of seeded noise: its compressed pixel data is most of the file, so cuts land in it.</summary>
    private static Image<L8> Noise()
    {
        var random = new Random(64);
        var image = new Image<L8>(64, 64);
        for (int i = 0; i < 64 * 64; i++)
        {
            image[i % 64, i / 64] = new L8((byte)random.Next(256));
        }

        return image;
    }

    private static Volumes.Volume Read(byte[] bytes) => RasterImageReader.Read(new MemoryStream(bytes), ScanReadLimits.Default, TestContext.Current.CancellationToken);

    [Fact]
    public void Oversized_truncated_and_foreign_images_get_typed_rejections()
    {
        var png = File.ReadAllBytes(Path.Combine(TestPaths.Data, "formats", "ultrasound", "neck_input.png"));
        using var bmp = new Image<L8>(4, 4);
        using var bmpStream = new MemoryStream();
        bmp.SaveAsBmp(bmpStream);

        var tooLarge = Assert.Throws<ScanRejectedException>(() => RasterImageReader.Read(new MemoryStream(png), ScanReadLimits.Default with { MaxDimension = 500 }, TestContext.Current.CancellationToken));
        var truncated = Assert.Throws<ScanRejectedException>(() => RasterImageReader.Read(new MemoryStream(png[..(png.Length / 3)]), ScanReadLimits.Default, TestContext.Current.CancellationToken));
        var foreign = Assert.Throws<ScanRejectedException>(() => RasterImageReader.Read(new MemoryStream(bmpStream.ToArray()), ScanReadLimits.Default, TestContext.Current.CancellationToken));

        Assert.Equal(ScanRejectionCode.LimitExceeded, tooLarge.Code);
        Assert.Equal(ScanRejectionCode.Truncated, truncated.Code);
        Assert.Equal(ScanRejectionCode.UnknownFormat, foreign.Code);
    }
}
