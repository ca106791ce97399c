using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;
using Synomaly.Imaging.Dicom;

namespace Synomaly.Imaging.Tests.Dicom;

/// <summary>Hostile and damaged input: every outcome is a volume or a typed rejection, quickly, without huge allocations.</summary>
public sealed class DicomSafetyTests
{
    /// <summary>
    /// These reads take milliseconds; the bound only catches a loop or a hang. It is generous because a loaded 2-core CI
    /// machine can stall a test for seconds, and a tighter bound failed there without any bug.
    /// </summary>
    private const double HangBoundSeconds = 30;

    private static readonly ScanReadLimits SmallLimits = new()
    {
        MaxFileBytes = 8 * 1024 * 1024,
        MaxDecompressedBytes = 32 * 1024 * 1024,
        MaxDimension = 1024,
        MaxVoxels = 4 * 1024 * 1024,
        MaxSlices = 64,
        MaxFiles = 100,
    };

    /// <summary>Each case may allocate at most this much (the largest fixture decodes to a few MB).</summary>
    private const long AllocationBound = 256L * 1024 * 1024;

    public static TheoryData<string> FuzzFixtures => new()
    {
        "dicom-samples/pydicom/MR_small.dcm",
        "dicom-samples/pydicom/MR_small_RLE.dcm",
        "dicom-samples/pydicom/MR_small_bigendian.dcm",
        "dicom-samples/pydicom/SC_rgb_jpeg_dcmtk.dcm",
        "dicom-samples/pydicom/image_dfl.dcm",
        "dicom-samples/pydicom/test-SR.dcm",
        "dicom-samples/pydicom/rtstruct.dcm",
        "dicom-samples/pydicom/SC_rgb_rle_2frame.dcm",
        "dicom-samples/pydicom/no_meta.dcm",
        "dicom-transfer-syntaxes/In/2.dcm",
    };

    [Theory]
    [MemberData(nameof(FuzzFixtures))]
    public void Truncations_and_bit_flips_give_a_volume_or_a_typed_rejection(string fixture)
    {
        var original = File.ReadAllBytes(Path.Combine(DicomTestFiles.Formats, fixture));
        var random = new Random(fixture.Length * 7919);
        var cases = new List<byte[]>();
        for (int i = 1; i <= 48; i++)
        {
            cases.Add(original[..(int)((long)original.Length * i / 49)]);
        }

        for (int i = 0; i < 48; i++)
        {
            var flipped = (byte[])original.Clone();
            for (int flips = random.Next(1, 9); flips > 0; flips--)
            {
                // Half the flips hit the header region, where structure lives; the rest anywhere.
                int at = random.Next(2) == 0 ? random.Next(Math.Min(flipped.Length, 2048)) : random.Next(flipped.Length);
                flipped[at] ^= (byte)(1 << random.Next(8));
            }

            cases.Add(flipped);
        }

        var total = Stopwatch.StartNew();
        foreach (var bytes in cases)
        {
            AssertVolumeOrRejection(bytes);
        }

        Assert.InRange(total.Elapsed.TotalSeconds, 0, 60);
    }

    [Fact]
    public void Declared_sizes_beyond_the_limits_are_rejected_before_allocating()
    {
        var huge = new DicomBuilder().ImageModule(60000, 60000, 16, 16, signed: false, "MONOCHROME2").PixelData([0, 0]).Build();
        var manyFrames = new DicomBuilder().ImageModule(512, 512, 16, 16, signed: false, "MONOCHROME2", frames: 100000).PixelData([0, 0]).Build();
        var manyVoxels = new DicomBuilder().ImageModule(1024, 1024, 16, 16, signed: false, "MONOCHROME2", frames: 60).PixelData([0, 0]).Build();

        foreach (var file in new[] { huge, manyFrames, manyVoxels })
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            var rejection = DicomTestFiles.Rejection(file, SmallLimits);
            Assert.Equal(ScanRejectionCode.LimitExceeded, rejection.Code);
            Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 1024 * 1024);
        }
    }

    [Fact]
    public void Uncompressed_pixel_data_shorter_than_the_declared_image_is_truncated_before_the_volume_is_allocated()
    {
        // 8192 x 8192 x 8 frames is within the default limits and would be 2 GB of float voxels; 16 pixel bytes are present.
        var file = new DicomBuilder().ImageModule(8192, 8192, 8, 8, signed: false, "MONOCHROME2", frames: 8).PixelData(new byte[16]).Build();
        long before = GC.GetAllocatedBytesForCurrentThread();

        var rejection = DicomTestFiles.Rejection(file);

        Assert.Equal(ScanRejectionCode.Truncated, rejection.Code);
        Assert.Contains("pixel data holds 16 of", rejection.Message, StringComparison.Ordinal);
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 64L * 1024 * 1024);
    }

    /// <summary>The encapsulated syntaxes the reader decodes itself: RLE Lossless, JPEG baseline, encapsulated uncompressed.</summary>
    public static TheoryData<string> EncapsulatedSyntaxes => new() { "1.2.840.10008.1.2.5", "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.1.98" };

    [Theory]
    [MemberData(nameof(EncapsulatedSyntaxes))]
    public void Encapsulated_frames_too_small_for_the_declared_image_are_truncated_before_the_volume_is_allocated(string syntax)
    {
        // 8192 x 8192 x 2 frames is within the default limits and would be 512 MB of float voxels; each frame has a few
        // hundred bytes, and a JPEG frame's own header declares the same 8192 x 8192.
        var frame = TinyFrame(syntax, 8192);
        var file = new DicomBuilder(syntax).ImageModule(8192, 8192, 8, 8, signed: false, "MONOCHROME2", frames: 2).Encapsulated(frame, frame).Build();
        long before = GC.GetAllocatedBytesForCurrentThread();

        var rejection = DicomTestFiles.Rejection(file);

        Assert.Equal(ScanRejectionCode.Truncated, rejection.Code);
        Assert.Contains("frame", rejection.Message, StringComparison.Ordinal);
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 64L * 1024 * 1024);
    }

    [Theory]
    [MemberData(nameof(EncapsulatedSyntaxes))]
    public void Encapsulated_pixel_data_declaring_more_voxels_than_the_limit_is_rejected_before_allocating(string syntax)
    {
        // 8192 x 8192 x 9 frames: 604 M voxels, over the default 512 M.
        var frame = TinyFrame(syntax, 8192);
        var file = new DicomBuilder(syntax).ImageModule(8192, 8192, 8, 8, signed: false, "MONOCHROME2", frames: 9).Encapsulated([.. Enumerable.Repeat(frame, 9)]).Build();
        long before = GC.GetAllocatedBytesForCurrentThread();

        var rejection = DicomTestFiles.Rejection(file);

        Assert.Equal(ScanRejectionCode.LimitExceeded, rejection.Code);
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 1024 * 1024);
    }

    /// <summary>A frame of a few hundred bytes in the syntax, whose own header (RLE, JPEG) is valid for a side x side 8-bit grey image.</summary>
    private static byte[] TinyFrame(string syntax, int side)
    {
        switch (syntax)
        {
            case "1.2.840.10008.1.2.5":
                // One segment at offset 64 holding one PackBits run: 128 zero bytes.
                var rle = new byte[66];
                BinaryPrimitives.WriteUInt32LittleEndian(rle, 1);
                BinaryPrimitives.WriteUInt32LittleEndian(rle.AsSpan(4), 64);
                rle[64] = 0x81;
                return rle;
            case "1.2.840.10008.1.2.4.50":
                // An 8x8 grey JPEG whose frame header (SOF0: marker, length, precision, height, width) is made to say side x side.
                using (var image = new Image<L8>(8, 8))
                using (var stream = new MemoryStream())
                {
                    image.Save(stream, new JpegEncoder { ColorType = JpegColorType.Luminance });
                    var jpeg = stream.ToArray();
                    int sof = jpeg.AsSpan().IndexOf([(byte)0xFF, (byte)0xC0]);
                    BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(sof + 5), (ushort)side);
                    BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(sof + 7), (ushort)side);
                    return jpeg;
                }

            default:
                return new byte[256];
        }
    }

    [Fact]
    public void A_deflate_bomb_stops_at_the_decompressed_size_limit()
    {
        using var compressed = new MemoryStream();
        using (var deflate = new DeflateStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var zeros = new byte[1024 * 1024];
            for (int i = 0; i < 64; i++)
            {
                deflate.Write(zeros);
            }
        }

        var file = new DicomBuilder("1.2.840.10008.1.2.1.99").Build().Concat(compressed.ToArray()).ToArray();
        long before = GC.GetAllocatedBytesForCurrentThread();

        var rejection = DicomTestFiles.Rejection(file, SmallLimits);

        Assert.Equal(ScanRejectionCode.LimitExceeded, rejection.Code);
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 4 * SmallLimits.MaxDecompressedBytes);
    }

    [Fact]
    public void A_length_beyond_the_remaining_bytes_is_truncation()
    {
        var file = new DicomBuilder().ImageModule(2, 2, 8, 8, signed: false, "MONOCHROME2").PixelData([1, 2, 3, 4]).Build();
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(file.Length - 8), 0x7FFFFFF0);

        var rejection = DicomTestFiles.Rejection(file);

        Assert.Equal(ScanRejectionCode.Truncated, rejection.Code);
        Assert.Contains("(7FE0,0010)", rejection.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Pixel_data_shorter_than_the_image_is_truncation()
    {
        var file = new DicomBuilder().ImageModule(4, 4, 16, 16, signed: false, "MONOCHROME2").PixelData(new byte[20]).Build();

        Assert.Equal(ScanRejectionCode.Truncated, DicomTestFiles.Rejection(file).Code);
    }

    [Fact]
    public void Deeply_nested_sequences_are_malformed_not_a_stack_overflow()
    {
        // 5000 nested undefined-length sequences, each in an undefined-length item.
        var open = new List<byte>();
        for (int i = 0; i < 5000; i++)
        {
            open.AddRange(DicomBuilder.Element(0x0009, 0x1010, "SQ", [], false, false)[..8]);
            open.AddRange(BitConverter.GetBytes(0xFFFFFFFFu));
            open.AddRange(DicomBuilder.Item([])[..4]);
            open.AddRange(BitConverter.GetBytes(0xFFFFFFFFu));
        }

        var file = new DicomBuilder().Raw([.. open]).Build();

        var rejection = DicomTestFiles.Rejection(file);
        Assert.Equal(ScanRejectionCode.Malformed, rejection.Code);
        Assert.Contains("nested", rejection.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Many_zero_length_items_end_without_looping()
    {
        var items = Enumerable.Repeat(DicomBuilder.Item([]), 20000).SelectMany(b => b).ToArray();
        var file = new DicomBuilder().ImageModule(2, 2, 8, 8, signed: false, "MONOCHROME2")
            .Add(0x0009, 0x1010, "SQ", items)
            .PixelData([1, 2, 3, 4]).Build();

        var watch = Stopwatch.StartNew();
        var volume = DicomTestFiles.Read(file);

        Assert.Equal([1f, 2f, 3f, 4f], volume.Voxels);
        Assert.InRange(watch.Elapsed.TotalSeconds, 0, HangBoundSeconds);
    }

    [Fact]
    public void An_unterminated_undefined_length_sequence_is_truncation()
    {
        var header = DicomBuilder.Element(0x0009, 0x1010, "SQ", [], false, false)[..8].Concat(BitConverter.GetBytes(0xFFFFFFFFu));
        var file = new DicomBuilder().ImageModule(2, 2, 8, 8, signed: false, "MONOCHROME2").Raw([.. header, .. DicomBuilder.Item([])]).Build();

        Assert.Equal(ScanRejectionCode.Truncated, DicomTestFiles.Rejection(file).Code);
    }

    [Fact]
    public void A_fragment_of_undefined_length_is_malformed()
    {
        var file = new DicomBuilder("1.2.840.10008.1.2.5").ImageModule(2, 2, 8, 8, signed: false, "MONOCHROME2").Build();
        byte[] pixelHeader = [0xE0, 0x7F, 0x10, 0x00, (byte)'O', (byte)'B', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF];
        byte[] badItem = [0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3, 4];

        Assert.Equal(ScanRejectionCode.Malformed, DicomTestFiles.Rejection([.. file, .. pixelHeader, .. badItem]).Code);
    }

    [Fact]
    public void Empty_and_foreign_bytes_get_their_own_codes()
    {
        Assert.Equal(ScanRejectionCode.Empty, DicomTestFiles.Rejection([]).Code);
        Assert.Equal(ScanRejectionCode.UnknownFormat, DicomTestFiles.Rejection("%PDF-1.7 not a scan at all, honestly"u8.ToArray()).Code);
    }

    [Fact]
    public void A_file_larger_than_the_file_limit_is_rejected_unread()
    {
        var limits = ScanReadLimits.Default with { MaxFileBytes = 1000 };
        var rejection = DicomTestFiles.Rejection(File.ReadAllBytes(Path.Combine(DicomTestFiles.Pydicom, "CT_small.dcm")), limits);

        Assert.Equal(ScanRejectionCode.LimitExceeded, rejection.Code);
    }

    [Fact]
    public void Stream_failures_pass_through_unchanged_not_as_rejections()
    {
        // A broken download says nothing about the scan: a rejection would fail the job for good as if the file were corrupt.
        var failure = Assert.Throws<IOException>(() => DicomVolumeReader.Read(new FailingStream(), ScanReadLimits.Default));
        Assert.Equal("disk went away", failure.Message);
        Assert.Throws<IOException>(() => DicomVolumeReader.ReadZip(new FailingStream(), ScanReadLimits.Default));
        Assert.Throws<IOException>(() => DicomVolumeReader.Describe(new FailingStream(), ScanReadLimits.Default));
    }

    [Fact]
    public void Failures_opening_series_members_pass_through_unchanged_not_as_rejections()
    {
        Func<Stream>[] files = [() => throw new FileNotFoundException("member vanished")];

        var failure = Assert.Throws<FileNotFoundException>(() => DicomVolumeReader.ReadSeries(files, ScanReadLimits.Default));

        Assert.Equal("member vanished", failure.Message);
    }

    [Fact]
    public void A_zip_whose_entry_offset_is_impossible_stays_malformed()
    {
        // ZipArchive reports a local header offset before the archive's start (a zip64 extra field holding 2^64 - 256) as an
        // IOException: a fault of the data, so it is still a rejection, unlike an IOException of the stream read from.
        using var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var entry = archive.CreateEntry("a.dcm").Open();
            entry.Write([1, 2, 3]);
        }

        var original = zip.ToArray();
        int endAt = original.Length - 22;
        int directoryAt = BinaryPrimitives.ReadInt32LittleEndian(original.AsSpan(endAt + 16));
        var directory = original[directoryAt..endAt];
        BinaryPrimitives.WriteUInt32LittleEndian(directory.AsSpan(42), uint.MaxValue);
        BinaryPrimitives.WriteUInt16LittleEndian(directory.AsSpan(30), 12);
        var zip64Offset = new byte[12];
        BinaryPrimitives.WriteUInt16LittleEndian(zip64Offset, 1);
        BinaryPrimitives.WriteUInt16LittleEndian(zip64Offset.AsSpan(2), 8);
        BinaryPrimitives.WriteUInt64LittleEndian(zip64Offset.AsSpan(4), ulong.MaxValue - 255);
        var end = original[endAt..];
        BinaryPrimitives.WriteInt32LittleEndian(end.AsSpan(12), directory.Length + zip64Offset.Length);
        byte[] bytes = [.. original[..directoryAt], .. directory, .. zip64Offset, .. end];

        var rejection = Assert.Throws<ScanRejectedException>(() => DicomVolumeReader.ReadZip(new MemoryStream(bytes), ScanReadLimits.Default));

        Assert.Equal(ScanRejectionCode.Malformed, rejection.Code);
        Assert.IsType<IOException>(rejection.InnerException);
    }

    [Fact]
    public void A_series_with_more_files_than_the_limit_is_rejected_before_reading_any()
    {
        int opened = 0;
        var files = Enumerable.Range(0, 5).Select(_ => (Func<Stream>)(() =>
        {
            opened++;
            return new MemoryStream();
        })).ToList();

        var rejection = Assert.Throws<ScanRejectedException>(() => DicomVolumeReader.ReadSeries(files, SmallLimits with { MaxFiles = 4 }));

        Assert.Equal(ScanRejectionCode.LimitExceeded, rejection.Code);
        Assert.Equal(0, opened);
    }

    [Fact]
    public void Header_text_that_is_not_a_uid_or_defined_term_is_not_echoed_into_rejections()
    {
        // Non-conforming writers can put any text, even a patient's name, where a UID or a defined term belongs; the
        // message becomes the job's error and the dead-letter description.
        var syntax = Assert.Throws<ScanRejectedException>(() => DicomTestFiles.Read(new DicomBuilder("DOE^JOHN 1970")
            .ImageModule(1, 2, 16, 16, signed: false, "MONOCHROME2").PixelData(new byte[4]).Build()));
        var photometric = Assert.Throws<ScanRejectedException>(() => DicomTestFiles.Read(new DicomBuilder()
            .ImageModule(1, 2, 16, 16, signed: false, "DOE JOHN").PixelData(new byte[4]).Build()));
        var sopClass = Assert.Throws<ScanRejectedException>(() => DicomTestFiles.Read(new DicomBuilder()
            .ImageModule(1, 2, 16, 16, signed: false, "MONOCHROME2", sopClass: "DOE^JOHN").Build()));

        Assert.Equal(ScanRejectionCode.UnsupportedTransferSyntax, syntax.Code);
        Assert.Equal(ScanRejectionCode.UnsupportedPixelFormat, photometric.Code);
        Assert.Equal(ScanRejectionCode.NotAnImage, sopClass.Code);
        Assert.All(new[] { syntax, photometric, sopClass }, e => Assert.DoesNotContain("DOE", e.Message, StringComparison.OrdinalIgnoreCase));
        Assert.Contains("not shown", photometric.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_non_image_sop_class_with_text_after_its_family_prefix_is_not_echoed_into_the_rejection()
    {
        // Non-image classes are matched by family prefix (every SR class starts with ...88.), so anything may follow it.
        var file = new DicomBuilder().ImageModule(1, 2, 16, 16, signed: false, "MONOCHROME2", sopClass: "1.2.840.10008.5.1.4.1.1.88.DOE^JOHN 1970")
            .PixelData(new byte[4]).Build();

        var rejection = DicomTestFiles.Rejection(file);

        Assert.Equal(ScanRejectionCode.NotAnImage, rejection.Code);
        Assert.Contains("structured report", rejection.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("DOE", rejection.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("1970", rejection.Message, StringComparison.Ordinal);
    }

    private static void AssertVolumeOrRejection(byte[] bytes)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        try
        {
            var volume = DicomTestFiles.Read(bytes, SmallLimits);
            Assert.True(volume.Voxels.Length > 0);
        }
        catch (ScanRejectedException)
        {
            // A typed rejection is a correct outcome for damaged input.
        }

        Assert.InRange(watch.Elapsed.TotalSeconds, 0, HangBoundSeconds);
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, AllocationBound);
    }

    private sealed class FailingStream : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => 0; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => throw new IOException("disk went away");

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
