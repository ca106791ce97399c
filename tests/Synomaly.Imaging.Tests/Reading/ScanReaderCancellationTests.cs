using System.IO.Compression;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Synomaly.Contracts;
using Synomaly.Imaging.Dicom;
using Synomaly.Imaging.Images;
using Synomaly.Imaging.Nifti;
using Synomaly.Imaging.Reading;
using Synomaly.Imaging.Tests.Dicom;
using Synomaly.Imaging.Volumes;
using Synomaly.Testing;

namespace Synomaly.Imaging.Tests.Reading;

/// <summary>
/// <see cref="ScanReadOptions.CancellationToken"/> stops a read: inside a transcoder, between the files of a zip,
/// between frames and voxel chunks, and while a PNG or JPEG is copied in or decoded, so that a worker's shutdown is not held
/// up by a long decode.
/// </summary>
public sealed class ScanReaderCancellationTests
{
    private static string Uncompressed => Path.Combine(DicomTestFiles.TransferSyntaxes, "In", "1.dcm");

    private static string Jpeg2000File => Path.Combine(DicomTestFiles.TransferSyntaxes, "In", "9.dcm");

    [Fact]
    public void A_read_waiting_on_the_transcoder_stops_soon_after_its_token_is_cancelled()
    {
        using var cancel = new CancellationTokenSource();
        var transcoder = new BlockingTranscoder(cancel, TimeSpan.FromMinutes(2));
        var options = new ScanReadOptions { DicomTranscoder = transcoder, CancellationToken = cancel.Token };

        Assert.ThrowsAny<OperationCanceledException>(() => ScanReader.Read(new MemoryStream(File.ReadAllBytes(Jpeg2000File)), options));

        // A bound on a hang, not a speed target: the stop takes moments, but a loaded 2-core machine can stretch the cold
        // unwinding past the 3 s this once allowed; a read that kept its token from the transcoder waits out its 2 minutes.
        Assert.InRange(Assert.NotNull(transcoder.SinceCancelled), TimeSpan.Zero, TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void A_zip_stops_before_its_next_file_once_cancelled_even_when_the_transcoder_ignores_the_token()
    {
        using var cancel = new CancellationTokenSource();
        var transcoder = new CancellingTranscoder(cancel);
        using var zip = Zip(Jpeg2000File, count: 20);

        Assert.ThrowsAny<OperationCanceledException>(() => ScanReader.Read(zip, new ScanReadOptions { DicomTranscoder = transcoder, CancellationToken = cancel.Token }));

        Assert.Equal(1, transcoder.Calls);
    }

    [Fact]
    public void Dicom_zip_and_nifti_reads_given_a_cancelled_token_stop_without_a_rejection()
    {
        var options = new ScanReadOptions { CancellationToken = new CancellationToken(canceled: true) };
        using var zip = Zip(Uncompressed, count: 2);

        Assert.ThrowsAny<OperationCanceledException>(() => ScanReader.Read(new MemoryStream(File.ReadAllBytes(Uncompressed)), options));
        Assert.ThrowsAny<OperationCanceledException>(() => ScanReader.Read(zip, options));
        Assert.ThrowsAny<OperationCanceledException>(() => ScanReader.Read(new MemoryStream(Nifti()), options));
        Assert.NotNull(ScanReader.Read(new MemoryStream(Nifti())));
    }

    [Fact]
    public void Png_and_jpeg_reads_given_a_cancelled_token_stop_without_a_rejection()
    {
        var options = new ScanReadOptions { CancellationToken = new CancellationToken(canceled: true) };

        Assert.ThrowsAny<OperationCanceledException>(() => ScanReader.Read(new MemoryStream(Raster(jpeg: false)), options));
        Assert.ThrowsAny<OperationCanceledException>(() => ScanReader.Read(new MemoryStream(Raster(jpeg: true)), options));
        Assert.NotNull(ScanReader.Read(new MemoryStream(Raster(jpeg: false))));
    }

    [Fact]
    public void A_png_stops_while_its_bytes_arrive_once_cancelled()
    {
        // A slow upload or network share: Ctrl-C or a shutdown comes after the first bytes, before the image is decoded.
        using var cancel = new CancellationTokenSource();
        using var stream = new CancellingStream(Raster(jpeg: false), cancel);

        Assert.ThrowsAny<OperationCanceledException>(() => RasterImageReader.Read(stream, ScanReadLimits.Default, cancel.Token));
        Assert.True(stream.Position < stream.Length);
    }

    private static byte[] Raster(bool jpeg)
    {
        using var image = new Image<L8>(64, 48, new L8(90));
        using var output = new MemoryStream();
        if (jpeg)
        {
            image.SaveAsJpeg(output);
        }
        else
        {
            image.SaveAsPng(output);
        }

        return output.ToArray();
    }

    /// <summary>Hands out a few bytes per read and cancels its token after the first read, as a stop during a slow download would.</summary>
    private sealed class CancellingStream(byte[] bytes, CancellationTokenSource cancel) : MemoryStream(bytes, writable: false)
    {
        // Read(Span) of a type derived from MemoryStream comes here too (through Stream's copy).
        public override int Read(byte[] buffer, int offset, int count)
        {
            cancel.Cancel();
            return base.Read(buffer, offset, Math.Min(count, 16));
        }
    }

    private static MemoryStream Zip(string file, int count)
    {
        var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
        {
            for (var i = 0; i < count; i++)
            {
                using var entry = archive.CreateEntry($"IM{i:D4}").Open();
                entry.Write(File.ReadAllBytes(file));
            }
        }

        zip.Position = 0;
        return zip;
    }

    private static byte[] Nifti()
    {
        var voxels = Enumerable.Range(0, 16 * 16 * 2).Select(i => (float)i).ToArray();
        var volume = new Volume(voxels, 16, 16, 2, VolumeGeometry.Unit(), Modality.MR, new VolumeProvenance { Format = ScanFormat.Nifti });
        using var output = new MemoryStream();
        NiftiWriter.Write(output, voxels, 16, 16, 2, NiftiGeometry.ForVolume(volume), NiftiDataType.Float32, gzip: false, "synthetic");
        return output.ToArray();
    }
}
