using System.Buffers.Binary;
using System.IO.Compression;
using Synomaly.Contracts;
using Synomaly.Imaging.Nifti;
using Synomaly.Imaging.Reading;
using Synomaly.Testing;

namespace Synomaly.Imaging.Tests.Nifti;

public sealed class NiftiReaderTests
{
    private static string Sample(params string[] parts) => Path.Combine([TestPaths.Data, "formats", .. parts]);

    private static Volumes.Volume ReadFile(string path, NiftiReadOptions? options = null)
    {
        using var stream = File.OpenRead(path);
        return NiftiReader.Read(stream, ScanReadLimits.Default, options);
    }

    public static TheoryData<string, int, int, int> SampleFiles => new()
    {
        { "nifti-samples/anatomical.nii", 33, 41, 25 },
        { "nifti-samples/colin27_ch2bet.nii.gz", 181, 217, 181 },
        { "nifti-samples/example4d.nii.gz", 128, 96, 24 },
        { "nifti-samples/example_nifti2.nii.gz", 32, 20, 12 },
        { "nifti-samples/KmeansTest_T1UCharRaw.nii.gz", 128, 128, 62 },
        { "ct-abdomen/example_ct.nii.gz", 122, 101, 112 },
        { "ct-abdomen/example_seg.nii.gz", 122, 101, 30 },
    };

    [Theory]
    [MemberData(nameof(SampleFiles))]
    public void Every_sample_file_reads_with_its_declared_dimensions(string relative, int width, int height, int depth)
    {
        var volume = ReadFile(Sample(relative.Split('/')));

        Assert.Equal((width, height, depth), (volume.Width, volume.Height, volume.Depth));
        Assert.All(volume.Voxels, v => Assert.True(float.IsFinite(v)));
        Assert.True(volume.Voxels.Max() > volume.Voxels.Min(), "a real scan is not constant");
        Assert.NotNull(volume.Provenance.NiftiHeader);
    }

    [Fact]
    public void The_abdominal_ct_is_in_hounsfield_units()
    {
        var ct = ReadFile(Sample("ct-abdomen", "example_ct.nii.gz"));

        var sorted = ct.Voxels.Order().ToArray();
        float p01 = sorted[sorted.Length / 100], p99 = sorted[sorted.Length * 99 / 100];
        Assert.InRange(sorted[0], -1300f, -900f);
        Assert.InRange(p01, -1050f, -900f);
        Assert.InRange(p99, 0f, 2000f);
        // The corner voxel lies outside the body: air.
        Assert.InRange(ct[0, 0, ct.Depth / 2], -1100f, -900f);
        Assert.Equal([3.0, 3.0, 3.0], [ct.Geometry.SpacingX, ct.Geometry.SpacingY, ct.Geometry.SpacingZ]);
    }

    [Fact]
    public void Big_endian_file_uses_its_sform_and_stored_values()
    {
        var volume = ReadFile(Sample("nifti-samples", "anatomical.nii"));

        Assert.Equal([-2.0, 0, 0, 32, 0, 2, 0, -40, 0, 0, 2, -16, 0, 0, 0, 1], volume.Geometry.Affine);
        Assert.Equal(ScanFormat.Nifti, volume.Provenance.Format);
        Assert.Contains(volume.Provenance.Notes, n => n.Contains("big endian", StringComparison.Ordinal));
        Assert.All(volume.Voxels, v => Assert.Equal(MathF.Round(v), v));
    }

    [Fact]
    public void Dims_of_zero_beyond_the_third_count_as_one()
    {
        var volume = ReadFile(Sample("nifti-samples", "KmeansTest_T1UCharRaw.nii.gz"));

        Assert.Equal(62, volume.Depth);
        Assert.DoesNotContain(volume.Provenance.Notes, n => n.Contains("volumes", StringComparison.Ordinal));
    }

    [Fact]
    public void Four_d_input_reads_the_first_volume_by_default_and_a_chosen_one_on_request()
    {
        var first = ReadFile(Sample("nifti-samples", "example4d.nii.gz"));
        var second = ReadFile(Sample("nifti-samples", "example4d.nii.gz"), new NiftiReadOptions { VolumeIndex = 1 });

        Assert.Contains(first.Provenance.Notes, n => n.Contains("2 volumes: volume 0 used", StringComparison.Ordinal));
        Assert.Contains(second.Provenance.Notes, n => n.Contains("2 volumes: volume 1 used", StringComparison.Ordinal));
        Assert.NotEqual(first.Voxels, second.Voxels);
        var error = Assert.Throws<ScanRejectedException>(() => ReadFile(Sample("nifti-samples", "example4d.nii.gz"), new NiftiReadOptions { VolumeIndex = 2 }));
        Assert.Equal(ScanRejectionCode.Malformed, error.Code);
    }

    [Fact]
    public void Qform_quaternion_gives_the_same_matrix_as_the_sform_it_was_written_with()
    {
        var volume = ReadFile(Sample("nifti-samples", "example4d.nii.gz"));
        var header = NiftiHeaderCodec.Parse(volume.Provenance.NiftiHeader);

        var (qform, source) = NiftiAffine.FromHeader(header with { SformCode = 0 });

        Assert.Equal(NiftiAffine.Source.Qform, source);
        for (int i = 0; i < 16; i++)
        {
            Assert.Equal(volume.Geometry.Affine[i], qform[i], 1e-4);
        }
    }

    [Fact]
    public void Nifti2_reads_in_double_precision()
    {
        var volume = ReadFile(Sample("nifti-samples", "example_nifti2.nii.gz"));
        var header = NiftiHeaderCodec.Parse(volume.Provenance.NiftiHeader);

        Assert.Equal(2, header.Version);
        Assert.Equal(2, header.VolumeCount);
        Assert.Equal(ScanFormat.NiftiGzip, volume.Provenance.Format);
        Assert.Equal(117.8551025390625, volume.Geometry.Affine[3]);
    }

    public static TheoryData<short, int, long[]> IntegerTypes => new()
    {
        { 2, 1, [0, 7, 200, 255] },
        { 256, 1, [-128, -1, 0, 127] },
        { 4, 2, [-32768, -5, 0, 32767] },
        { 512, 2, [0, 1, 40000, 65535] },
        { 8, 4, [int.MinValue, -3, 0, int.MaxValue] },
        { 768, 4, [0, 1, 3000000000, 4294967295] },
        { 1024, 8, [-5000000000, -1, 0, 5000000000] },
    };

    [Theory]
    [MemberData(nameof(IntegerTypes))]
    public void Integer_datatypes_decode_in_both_byte_orders(short datatype, int width, long[] values)
    {
        foreach (bool bigEndian in new[] { false, true })
        {
            var file = SyntheticNifti.Build(datatype, (short)(width * 8), [3, 2, 2, 1, 0, 0, 0, 0], SyntheticNifti.Encode(values, width, bigEndian), bigEndian);

            var volume = NiftiReader.Read(new MemoryStream(file), ScanReadLimits.Default);

            Assert.Equal(values.Select(v => (float)v), volume.Voxels);
        }
    }

    [Fact]
    public void Float_datatypes_decode_and_non_finite_values_become_zero()
    {
        var f32 = new byte[16];
        float[] singles = [1.5f, -2.25f, float.NaN, 1e6f];
        for (int i = 0; i < 4; i++)
        {
            BinaryPrimitives.WriteSingleBigEndian(f32.AsSpan(i * 4), singles[i]);
        }

        var f64 = new byte[32];
        double[] doubles = [0.125, -7, double.PositiveInfinity, 3e10];
        for (int i = 0; i < 4; i++)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(f64.AsSpan(i * 8), doubles[i]);
        }

        var single = NiftiReader.Read(new MemoryStream(SyntheticNifti.Build(16, 32, [2, 2, 2, 0, 0, 0, 0, 0], f32, bigEndian: true)), ScanReadLimits.Default);
        var dbl = NiftiReader.Read(new MemoryStream(SyntheticNifti.Build(64, 64, [2, 4, 1, 0, 0, 0, 0, 0], f64, bigEndian: false)), ScanReadLimits.Default);

        Assert.Equal([1.5f, -2.25f, 0f, 1e6f], single.Voxels);
        Assert.Equal([0.125f, -7f, 0f, 3e10f], dbl.Voxels);
        Assert.Contains(single.Provenance.Notes, n => n.StartsWith("1 non-finite", StringComparison.Ordinal));
    }

    [Fact]
    public void Float64_voxels_beyond_float_range_are_malformed_not_zeroed_as_non_finite()
    {
        // 1e300 is a finite double: narrowing it to float gives infinity, which must not pass as a missing voxel.
        var f64 = new byte[32];
        double[] doubles = [1e300, 2e300, -1e300, 1];
        for (int i = 0; i < 4; i++)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(f64.AsSpan(i * 8), doubles[i]);
        }

        var error = Assert.Throws<ScanRejectedException>(() => NiftiReader.Read(new MemoryStream(SyntheticNifti.Build(64, 64, [2, 2, 2, 0, 0, 0, 0, 0], f64, bigEndian: false)), ScanReadLimits.Default));

        Assert.Equal(ScanRejectionCode.Malformed, error.Code);
        Assert.Contains("outside the range of 32-bit floats", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(30)]
    public void A_volume_of_which_fewer_than_1_in_100_voxels_is_finite_is_malformed(int finite)
    {
        // 64 x 64 float32: all NaN, or 30 finite voxels (0.7 %) among NaN and infinities.
        var f32 = new byte[64 * 64 * 4];
        for (int i = 0; i < 64 * 64; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(f32.AsSpan(i * 4), i < finite ? i : i % 2 == 0 ? float.NaN : float.PositiveInfinity);
        }

        var error = Assert.Throws<ScanRejectedException>(() => NiftiReader.Read(new MemoryStream(SyntheticNifti.Build(16, 32, [2, 64, 64, 0, 0, 0, 0, 0], f32, bigEndian: false)), ScanReadLimits.Default));

        Assert.Equal(ScanRejectionCode.Malformed, error.Code);
        Assert.Contains($"{4096 - finite} of the 4096", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Repairs_that_change_the_voxels_are_noted_for_the_report()
    {
        // Half NaN: read, with the count noted for the report; the header's own description is not.
        var f32 = new byte[64 * 64 * 4];
        for (int i = 0; i < 64 * 64; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(f32.AsSpan(i * 4), i % 2 == 0 ? float.NaN : i);
        }

        var halfNan = NiftiReader.Read(new MemoryStream(SyntheticNifti.Build(16, 32, [2, 64, 64, 0, 0, 0, 0, 0], f32, bigEndian: false)), ScanReadLimits.Default);
        var fourD = ReadFile(Sample("nifti-samples", "example4d.nii.gz"));

        Assert.Equal(["2048 non-finite voxels (NaN or infinity) set to 0."], halfNan.Provenance.ReportNotes);
        Assert.Equal(["4-D input with 2 volumes: volume 0 used."], fourD.Provenance.ReportNotes);
        Assert.All(fourD.Provenance.ReportNotes, n => Assert.Contains(n, fourD.Provenance.Notes));
    }

    [Fact]
    public void Rgb24_becomes_grey_luminance()
    {
        byte[] rgb = [255, 0, 0, 0, 255, 0, 0, 0, 255, 100, 100, 100];
        var volume = NiftiReader.Read(new MemoryStream(SyntheticNifti.Build(128, 24, [3, 2, 2, 1, 1, 1, 1, 1], rgb, bigEndian: false)), ScanReadLimits.Default);

        Assert.Equal(0.299f * 255, volume.Voxels[0], 3);
        Assert.Equal(0.587f * 255, volume.Voxels[1], 3);
        Assert.Equal(0.114f * 255, volume.Voxels[2], 3);
        Assert.Equal(100f, volume.Voxels[3], 3);
        Assert.Equal("RGB", volume.Provenance.PhotometricInterpretation);
    }

    [Fact]
    public void Scl_slope_is_noted_only_where_it_is_applied()
    {
        byte[] rgb = [100, 100, 100, 50, 50, 50];
        var colour = NiftiReader.Read(new MemoryStream(SyntheticNifti.Build(128, 24, [3, 2, 1, 1, 1, 1, 1, 1], rgb, bigEndian: false, slope: 2, intercept: 10)), ScanReadLimits.Default);
        var grey = NiftiReader.Read(new MemoryStream(SyntheticNifti.Build(2, 8, [3, 2, 1, 1, 1, 1, 1, 1], [100, 50], bigEndian: false, slope: 2, intercept: 10)), ScanReadLimits.Default);

        Assert.Equal(100f, colour.Voxels[0], 3);
        Assert.DoesNotContain(colour.Provenance.Notes, n => n.Contains("scl_slope", StringComparison.Ordinal));
        Assert.Equal([210f, 110f], grey.Voxels);
        Assert.Contains(grey.Provenance.Notes, n => n.Contains("scl_slope 2 and scl_inter 10 applied", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(2f, 10f, new[] { 10f, 12f, 14f, 16f })]
    [InlineData(0f, 10f, new[] { 0f, 1f, 2f, 3f })]
    [InlineData(float.NaN, 10f, new[] { 0f, 1f, 2f, 3f })]
    [InlineData(0.5f, float.NaN, new[] { 0f, 0.5f, 1f, 1.5f })]
    public void Scl_slope_applies_unless_zero_or_nan(float slope, float intercept, float[] expected)
    {
        var file = SyntheticNifti.Build(4, 16, [3, 4, 1, 1, 1, 1, 1, 1], SyntheticNifti.Encode([0, 1, 2, 3], 2, bigEndian: false), bigEndian: false, slope, intercept);

        var volume = NiftiReader.Read(new MemoryStream(file), ScanReadLimits.Default);

        Assert.Equal(expected, volume.Voxels);
    }

    [Fact]
    public void Scaling_that_carries_finite_voxels_past_float_range_is_malformed_not_zeroed()
    {
        // int16 30000 x 1e36 and float32 3e38 + 3e38 are finite stored values that only the header's scaling overflows.
        var integers = SyntheticNifti.Build(4, 16, [3, 4, 1, 1, 1, 1, 1, 1], SyntheticNifti.Encode([0, 1, 2, 30000], 2, bigEndian: false), bigEndian: false, slope: 1e36f);
        var floats = new byte[8];
        BinaryPrimitives.WriteSingleLittleEndian(floats, 1f);
        BinaryPrimitives.WriteSingleLittleEndian(floats.AsSpan(4), 3e38f);
        var floatFile = SyntheticNifti.Build(16, 32, [3, 2, 1, 1, 1, 1, 1, 1], floats, bigEndian: false, slope: 1, intercept: 3e38f);

        foreach (var file in new[] { integers, floatFile })
        {
            var error = Assert.Throws<ScanRejectedException>(() => NiftiReader.Read(new MemoryStream(file), ScanReadLimits.Default));
            Assert.Equal(ScanRejectionCode.Malformed, error.Code);
            Assert.Contains("scl_slope", error.Message, StringComparison.Ordinal);
        }

        // A NaN stored in float data stays a missing voxel (0, noted) when scaled.
        BinaryPrimitives.WriteSingleLittleEndian(floats, float.NaN);
        BinaryPrimitives.WriteSingleLittleEndian(floats.AsSpan(4), 5f);
        var volume = NiftiReader.Read(new MemoryStream(SyntheticNifti.Build(16, 32, [3, 2, 1, 1, 1, 1, 1, 1], floats, bigEndian: false, slope: 2)), ScanReadLimits.Default);
        Assert.Equal([0f, 10f], volume.Voxels);
        Assert.Contains(volume.Provenance.Notes, n => n.StartsWith("1 non-finite", StringComparison.Ordinal));
    }

    [Fact]
    public void A_declared_dimension_of_zero_is_malformed_as_in_nifti1_io()
    {
        var zeroHeight = SyntheticNifti.Build(2, 8, [3, 4, 0, 1, 1, 1, 1, 1], [1, 2, 3, 4], bigEndian: false);
        var zeroVolumes = SyntheticNifti.Build(2, 8, [4, 2, 2, 1, 0, 0, 0, 0], [1, 2, 3, 4], bigEndian: false);

        foreach (var file in new[] { zeroHeight, zeroVolumes })
        {
            var error = Assert.Throws<ScanRejectedException>(() => NiftiReader.Read(new MemoryStream(file), ScanReadLimits.Default));
            Assert.Equal(ScanRejectionCode.Malformed, error.Code);
            Assert.Contains("must be at least 1", error.Message, StringComparison.Ordinal);
        }

        // Zeros beyond dim[0] still count as 1.
        Assert.Equal(4, NiftiReader.Read(new MemoryStream(SyntheticNifti.Build(2, 8, [3, 2, 2, 1, 0, 0, 0, 0], [1, 2, 3, 4], bigEndian: false)), ScanReadLimits.Default).Voxels.Length);
    }

    [Fact]
    public void Without_sform_or_qform_the_affine_is_the_voxel_size()
    {
        var file = SyntheticNifti.Build(2, 8, [3, 1, 1, 1, 1, 1, 1, 1], [9], bigEndian: false);

        var volume = NiftiReader.Read(new MemoryStream(file), ScanReadLimits.Default);

        Assert.Equal([1.5, 0, 0, 0, 0, 2, 0, 0, 0, 0, 3, 0, 0, 0, 0, 1], volume.Geometry.Affine);
        Assert.Equal((1.5, 2.0, 3.0), (volume.Geometry.SpacingX, volume.Geometry.SpacingY, volume.Geometry.SpacingZ));
    }

    [Theory]
    [InlineData(1, 0.001f)] // metres
    [InlineData(3, 1000f)] // microns
    [InlineData(2, 1f)] // millimetres
    [InlineData(0, 1f)] // unknown, which NIfTI tools read as millimetres
    [InlineData(10, 1f)] // millimetres and seconds: the time bits do not matter
    public void Pixdim_in_metres_or_microns_is_read_in_millimetres(byte xyztUnits, float pixdim)
    {
        var file = SyntheticNifti.Build(2, 8, [3, 1, 1, 1, 1, 1, 1, 1], [9], bigEndian: false);
        BinaryPrimitives.WriteSingleLittleEndian(file.AsSpan(80), pixdim);
        BinaryPrimitives.WriteSingleLittleEndian(file.AsSpan(84), 2 * pixdim);
        BinaryPrimitives.WriteSingleLittleEndian(file.AsSpan(88), 3 * pixdim);
        file[123] = xyztUnits;

        var volume = NiftiReader.Read(new MemoryStream(file), ScanReadLimits.Default);

        Assert.Equal(1.0, volume.Geometry.SpacingX, 6);
        Assert.Equal(2.0, volume.Geometry.SpacingY, 6);
        Assert.Equal(3.0, volume.Geometry.SpacingZ, 6);
        Assert.Equal(6.0, volume.Geometry.VoxelVolumeMm3, 5);
        // The diagonal of the pixdim-only affine; the header's float32 values in metres scale to mm within rounding.
        Assert.Equal([1.0, 2.0, 3.0], new[] { volume.Geometry.Affine[0], volume.Geometry.Affine[5], volume.Geometry.Affine[10] }.Select(v => Math.Round(v, 5)));
        Assert.False(volume.Provenance.SpacingAssumed);
    }

    [Fact]
    public void An_sform_in_metres_is_read_in_millimetres_offsets_included()
    {
        var file = SyntheticNifti.Build(2, 8, [3, 1, 1, 1, 1, 1, 1, 1], [9], bigEndian: false);
        BinaryPrimitives.WriteInt16LittleEndian(file.AsSpan(254), 1);
        float[] rows = [-0.001f, 0, 0, 0.05f, 0, 0.002f, 0, -0.1f, 0, 0, 0.003f, 0.02f];
        for (int i = 0; i < rows.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(file.AsSpan(280 + (4 * i)), rows[i]);
        }

        BinaryPrimitives.WriteSingleLittleEndian(file.AsSpan(80), 0.001f);
        BinaryPrimitives.WriteSingleLittleEndian(file.AsSpan(84), 0.002f);
        BinaryPrimitives.WriteSingleLittleEndian(file.AsSpan(88), 0.003f);
        file[123] = 1;

        var volume = NiftiReader.Read(new MemoryStream(file), ScanReadLimits.Default);

        Assert.Equal([-1.0, 0, 0, 50, 0, 2, 0, -100, 0, 0, 3, 20, 0, 0, 0, 1], volume.Geometry.Affine.Select(v => Math.Round(v, 4)));
        Assert.Contains(volume.Provenance.Notes, n => n.Contains("metres", StringComparison.Ordinal));
    }

    [Fact]
    public void Truncated_files_are_rejected_as_truncated()
    {
        var full = File.ReadAllBytes(Sample("nifti-samples", "anatomical.nii"));

        foreach (int length in new[] { 1, 3, 100, 347, 352, full.Length / 2, full.Length - 1 })
        {
            var error = Assert.Throws<ScanRejectedException>(() => NiftiReader.Read(new MemoryStream(full[..length]), ScanReadLimits.Default));
            Assert.True(error.Code is ScanRejectionCode.Truncated or ScanRejectionCode.UnknownFormat, $"{length} bytes: {error.Code}");
        }
    }

    [Fact]
    public void Truncated_and_corrupt_gzip_is_rejected()
    {
        var full = File.ReadAllBytes(Sample("nifti-samples", "example_nifti2.nii.gz"));
        var corrupt = (byte[])full.Clone();
        for (int i = 100; i < 200; i++)
        {
            corrupt[i] ^= 0x5A;
        }

        var truncated = Assert.Throws<ScanRejectedException>(() => NiftiReader.Read(new MemoryStream(full[..(full.Length / 2)]), ScanReadLimits.Default));
        var broken = Assert.Throws<ScanRejectedException>(() => NiftiReader.Read(new MemoryStream(corrupt), ScanReadLimits.Default));

        Assert.Equal(ScanRejectionCode.Truncated, truncated.Code);
        Assert.True(broken.Code is ScanRejectionCode.Malformed or ScanRejectionCode.Truncated or ScanRejectionCode.UnknownFormat, broken.Code.ToString());
    }

    [Fact]
    public void Declared_sizes_over_the_limits_are_rejected_before_reading_voxels()
    {
        var huge = SyntheticNifti.Build(16, 32, [3, 30000, 30000, 30000, 1, 1, 1, 1], [], bigEndian: false);
        var tall = SyntheticNifti.Build(2, 8, [3, 4, 4, 5000, 1, 1, 1, 1], [], bigEndian: false);

        Assert.Equal(ScanRejectionCode.LimitExceeded, Assert.Throws<ScanRejectedException>(() => NiftiReader.Read(new MemoryStream(huge), ScanReadLimits.Default)).Code);
        Assert.Equal(ScanRejectionCode.LimitExceeded, Assert.Throws<ScanRejectedException>(() => NiftiReader.Read(new MemoryStream(tall), ScanReadLimits.Default)).Code);
    }

    [Fact]
    public void A_tiny_file_declaring_a_huge_volume_is_truncated_without_allocating_that_volume()
    {
        // 8192 x 8192 x 8 uint8 voxels is within the default limits and would be 2 GB of floats; 16 voxel bytes are present.
        var plain = SyntheticNifti.Build(2, 8, [3, 8192, 8192, 8, 1, 1, 1, 1], new byte[16], bigEndian: false);
        var gzip = Gzip(plain);
        Func<Volumes.Volume>[] reads =
        [
            () => NiftiReader.Read(new MemoryStream(plain), ScanReadLimits.Default),
            () => NiftiReader.Read(new MemoryStream(gzip), ScanReadLimits.Default),
            () => ScanReader.Read(new MemoryStream(plain)),
            () => ScanReader.Read(new MemoryStream(gzip)),
        ];

        foreach (var read in reads)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            var error = Assert.Throws<ScanRejectedException>(read);
            Assert.Equal(ScanRejectionCode.Truncated, error.Code);
            Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 64L * 1024 * 1024);
        }
    }

    [Fact]
    public void A_gzip_volume_larger_than_the_first_buffer_reads_whole()
    {
        // Gzip gives no length up front: the voxel buffer grows as the data arrives, and must end holding every voxel.
        var voxels = Enumerable.Range(0, 256 * 256 * 80).Select(i => (long)(i % 251)).ToList();
        var file = Gzip(SyntheticNifti.Build(2, 8, [3, 256, 256, 80, 1, 1, 1, 1], SyntheticNifti.Encode(voxels, 1, bigEndian: false), bigEndian: false));

        var volume = NiftiReader.Read(new MemoryStream(file), ScanReadLimits.Default);

        Assert.Equal(voxels.Select(v => (float)v), volume.Voxels);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(-5f)]
    [InlineData(3e9f)]
    public void A_nifti1_vox_offset_that_is_no_offset_is_malformed_not_read_from_the_header_end(float voxOffset)
    {
        // A 16-byte extension sits between the header and the voxels; guessing byte 352 would read it as the image.
        byte[] extensionThenVoxels = [.. new byte[16], 10, 20, 30, 40];
        var file = SyntheticNifti.Build(2, 8, [3, 4, 1, 1, 1, 1, 1, 1], extensionThenVoxels, bigEndian: false, voxOffset: voxOffset);

        var error = Assert.Throws<ScanRejectedException>(() => NiftiReader.Read(new MemoryStream(file), ScanReadLimits.Default));

        Assert.Equal(ScanRejectionCode.Malformed, error.Code);
        Assert.Contains("vox_offset", error.Message, StringComparison.Ordinal);
        Assert.Equal([10f, 20f, 30f, 40f], NiftiReader.Read(new MemoryStream(SyntheticNifti.Build(2, 8, [3, 4, 1, 1, 1, 1, 1, 1], extensionThenVoxels, bigEndian: false, voxOffset: 368)), ScanReadLimits.Default).Voxels);
    }

    [Fact]
    public void A_negative_nifti2_vox_offset_is_malformed()
    {
        var header = new NiftiHeader
        {
            Version = 2,
            Dim = [3, 4, 1, 1, 1, 1, 1, 1],
            DataType = NiftiDataType.UInt8,
            BitPix = 8,
            PixDim = [1, 1, 1, 1, 0, 0, 0, 0],
            VoxOffset = -5,
            SRowX = [1, 0, 0, 0],
            SRowY = [0, 1, 0, 0],
            SRowZ = [0, 0, 1, 0],
        };
        byte[] file = [.. NiftiHeaderCodec.Encode(header, ""), 10, 20, 30, 40];

        var error = Assert.Throws<ScanRejectedException>(() => NiftiReader.Read(new MemoryStream(file), ScanReadLimits.Default));

        Assert.Equal(ScanRejectionCode.Malformed, error.Code);
        Assert.Contains("vox_offset", error.Message, StringComparison.Ordinal);
        Assert.Equal([10f, 20f, 30f, 40f], NiftiReader.Read(new MemoryStream([.. NiftiHeaderCodec.Encode(header with { VoxOffset = 544 }, ""), 10, 20, 30, 40]), ScanReadLimits.Default).Voxels);
    }

    [Fact]
    public void Nifti2_dims_whose_volume_count_overflows_64_bits_exceed_the_limits_by_name()
    {
        // 2^16 to the fourth power is 2^64, which a plain long product wraps to 0 ("the file holds 0 volumes").
        var header = new NiftiHeader
        {
            Version = 2,
            Dim = [7, 2, 2, 1, 65536, 65536, 65536, 65536],
            DataType = NiftiDataType.UInt8,
            BitPix = 8,
            PixDim = [1, 1, 1, 1, 1, 1, 1, 1],
            VoxOffset = 544,
            SRowX = [1, 0, 0, 0],
            SRowY = [0, 1, 0, 0],
            SRowZ = [0, 0, 1, 0],
        };
        byte[] file = [.. NiftiHeaderCodec.Encode(header, ""), 1, 2, 3, 4];

        var error = Assert.Throws<ScanRejectedException>(() => NiftiReader.Read(new MemoryStream(file), ScanReadLimits.Default));

        Assert.Equal(ScanRejectionCode.LimitExceeded, error.Code);
        Assert.Contains("dims 4 to 7 (65536, 65536, 65536, 65536)", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(348f)]
    [InlineData(351f)]
    public void A_vox_offset_inside_the_header_or_its_extension_flag_means_right_after_them(float voxOffset)
    {
        var file = SyntheticNifti.Build(2, 8, [3, 4, 1, 1, 1, 1, 1, 1], [10, 20, 30, 40], bigEndian: false, voxOffset: voxOffset);

        var volume = NiftiReader.Read(new MemoryStream(file), ScanReadLimits.Default);

        Assert.Equal([10f, 20f, 30f, 40f], volume.Voxels);
        Assert.Contains(volume.Provenance.Notes, n => n.Contains("read from byte 352", StringComparison.Ordinal));
    }

    [Fact]
    public void Decompressed_size_limit_stops_a_gzip_bomb()
    {
        using var packed = new MemoryStream();
        using (var gzip = new GZipStream(packed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(SyntheticNifti.Build(2, 8, [3, 1000, 1000, 1, 1, 1, 1, 1], new byte[1000 * 1000], bigEndian: false));
        }

        var limits = ScanReadLimits.Default with { MaxDecompressedBytes = 100_000 };
        packed.Position = 0;

        var error = Assert.Throws<ScanRejectedException>(() => NiftiReader.Read(packed, limits));

        Assert.Equal(ScanRejectionCode.LimitExceeded, error.Code);
    }

    [Fact]
    public void Header_pairs_unsupported_datatypes_and_bad_dims_get_named_rejections()
    {
        var pair = SyntheticNifti.Build(2, 8, [3, 1, 1, 1, 1, 1, 1, 1], [0], bigEndian: false, magic: "ni1");
        var complex = SyntheticNifti.Build(32, 64, [3, 1, 1, 1, 1, 1, 1, 1], new byte[8], bigEndian: false);
        var negative = SyntheticNifti.Build(2, 8, [3, -4, 1, 1, 1, 1, 1, 1], [0], bigEndian: false);
        var noDims = SyntheticNifti.Build(2, 8, [0, 1, 1, 1, 1, 1, 1, 1], [0], bigEndian: false);

        Assert.Equal(ScanRejectionCode.NotAnImage, Assert.Throws<ScanRejectedException>(() => NiftiReader.Read(new MemoryStream(pair), ScanReadLimits.Default)).Code);
        var unsupported = Assert.Throws<ScanRejectedException>(() => NiftiReader.Read(new MemoryStream(complex), ScanReadLimits.Default));
        Assert.Equal(ScanRejectionCode.UnsupportedPixelFormat, unsupported.Code);
        Assert.Contains("Complex64", unsupported.Message, StringComparison.Ordinal);
        Assert.Equal(ScanRejectionCode.Malformed, Assert.Throws<ScanRejectedException>(() => NiftiReader.Read(new MemoryStream(negative), ScanReadLimits.Default)).Code);
        Assert.Equal(ScanRejectionCode.Malformed, Assert.Throws<ScanRejectedException>(() => NiftiReader.Read(new MemoryStream(noDims), ScanReadLimits.Default)).Code);
        Assert.Equal(ScanRejectionCode.Empty, Assert.Throws<ScanRejectedException>(() => NiftiReader.Read(new MemoryStream([]), ScanReadLimits.Default)).Code);
    }

    private static byte[] Gzip(byte[] bytes)
    {
        using var packed = new MemoryStream();
        using (var gzip = new GZipStream(packed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(bytes);
        }

        return packed.ToArray();
    }
}
