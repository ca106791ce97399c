using System.Globalization;
using Synomaly.Contracts;
using Synomaly.GpuWorker.Messaging;
using Synomaly.GpuWorker.Options;
using Synomaly.GpuWorker.Processing;
using Synomaly.GpuWorker.Scans;
using Synomaly.GpuWorker.Tests.Support;
using Synomaly.Imaging;
using Synomaly.Imaging.Dicom;
using Synomaly.Imaging.Presets;
using Synomaly.Imaging.Reading;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace Synomaly.GpuWorker.Tests;

/// <summary>
/// Scans the model must not answer reach the worker's codec as typed rejections (permanent, with their own reason), not
/// as results that look as confident as real ones.
/// </summary>
public sealed class ScanSuitabilityTests
{
    private const int Size = 32;

    private static readonly ImagingScanCodec Codec = new(ScanReadOptions.Default, MsOptions.Create(new ModelOptions()), TimeProvider.System);

    [Fact]
    public void A_ct_file_sent_to_a_brain_model_fails_permanently_as_a_modality_mismatch()
    {
        var scan = BinaryData.FromBytes(Dicom("CT", (x, y) => (short)(x < Size / 2 ? -1000 : 40 + y)));

        var error = Assert.Throws<ScanRejectedException>(() => Prepare(scan, ModalityHint.BrainMri));

        var verdict = FailureClassifier.Classify(error);
        Assert.Equal((FailureKind.Permanent, "ModalityMismatch"), (verdict.Kind, verdict.Reason));
        Assert.Contains("CT", verdict.Description, StringComparison.Ordinal);
        Assert.Contains("brain-mri", verdict.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_of_the_modality_the_model_was_trained_for_is_prepared()
    {
        var scan = BinaryData.FromBytes(Dicom("CT", (x, y) => (short)(x < Size / 2 ? -1000 : 40 + y)));

        Assert.NotEmpty(Prepare(scan, ModalityHint.LiverCt).Slices);
    }

    [Fact]
    public void An_all_air_ct_fails_permanently_as_having_no_usable_slices()
    {
        var scan = BinaryData.FromBytes(Dicom("CT", (_, _) => -1000));

        var error = Assert.Throws<ScanRejectedException>(() => Prepare(scan, ModalityHint.LiverCt));

        Assert.Equal((FailureKind.Permanent, "NoUsableSlices"), (FailureClassifier.Classify(error).Kind, FailureClassifier.Classify(error).Reason));
    }

    [Fact]
    public async Task A_scan_a_codec_finds_no_slices_in_is_dead_lettered_as_having_no_usable_slices_not_as_wrong_dimensions()
    {
        await using var harness = new WorkerHarness();
        var source = new InMemoryScanJobSource();
        var job = harness.AddJob("scan-empty", FakeScanCodec.Scan(0, 0.25f));
        source.Enqueue(BinaryData.FromBytes(ScanJobSerializer.Serialize(job)), job.MessageId, 0);
        var delivery = await source.ReceiveAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);

        Assert.Equal(JobOutcome.DeadLettered, await harness.Handler.HandleAsync(delivery!, CancellationToken.None));

        Assert.Equal("NoUsableSlices", Assert.Single(source.Settlements).Reason);
        Assert.Equal("NoUsableSlices", harness.Record(job)!.ErrorCode);
        Assert.Empty(harness.Model.Calls);
    }

    [Fact]
    public void A_constant_picture_sent_to_an_ultrasound_model_fails_permanently_as_a_constant_image()
    {
        var verdict = FailureClassifier.Classify(Assert.Throws<ScanRejectedException>(() => Prepare(Png(64, 64, (_, _) => 90), ModalityHint.CarotidUltrasound)));

        Assert.Equal((FailureKind.Permanent, "ConstantImage"), (verdict.Kind, verdict.Reason));
    }

    [Fact]
    public void A_one_row_picture_fails_permanently_as_too_small()
    {
        var verdict = FailureClassifier.Classify(Assert.Throws<ScanRejectedException>(() => Prepare(Png(5000, 1, (x, _) => (byte)x), ModalityHint.BrainMri)));

        Assert.Equal((FailureKind.Permanent, "ImageTooSmall"), (verdict.Kind, verdict.Reason));
        Assert.Contains("5000x1", verdict.Description, StringComparison.Ordinal);
    }

    private static BinaryData Png(int width, int height, Func<int, int, byte> value)
    {
        using var image = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.L8>(width, height);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                image[x, y] = new SixLabors.ImageSharp.PixelFormats.L8(value(x, y));
            }
        }

        using var png = new MemoryStream();
        SixLabors.ImageSharp.ImageExtensions.SaveAsPng(image, png);
        return BinaryData.FromBytes(png.ToArray());
    }

    private static DecodedScanSlices Prepare(BinaryData scan, ModalityHint trainedFor) =>
        Codec.Prepare(scan, StubScanJob.For("suitability-1"), (Size, Size), trainedFor, SliceOrientation.Display, TestContext.Current.CancellationToken);

    /// <summary>A one-slice, 16-bit signed DICOM of the given modality whose stored values are Hounsfield units (slope 1).</summary>
    private static byte[] Dicom(string modality, Func<int, int, short> value)
    {
        const string CtImageStorage = "1.2.840.10008.5.1.4.1.1.2";
        var meta = new DicomElementWriter();
        meta.Text(0x0002, 0x0002, "UI", CtImageStorage);
        meta.Text(0x0002, 0x0003, "UI", "2.25.1");
        meta.Text(0x0002, 0x0010, "UI", "1.2.840.10008.1.2.1");

        var data = new DicomElementWriter();
        data.Text(0x0008, 0x0016, "UI", CtImageStorage);
        data.Text(0x0008, 0x0018, "UI", "2.25.1");
        data.Text(0x0008, 0x0060, "CS", modality);
        data.UShort(0x0028, 0x0002, 1);
        data.Text(0x0028, 0x0004, "CS", "MONOCHROME2");
        data.UShort(0x0028, 0x0010, Size);
        data.UShort(0x0028, 0x0011, Size);
        data.UShort(0x0028, 0x0100, 16);
        data.UShort(0x0028, 0x0101, 16);
        data.UShort(0x0028, 0x0102, 15);
        data.UShort(0x0028, 0x0103, 1);
        data.Text(0x0028, 0x1052, "DS", "0");
        data.Text(0x0028, 0x1053, "DS", 1.ToString(CultureInfo.InvariantCulture));
        var pixels = new byte[Size * Size * 2];
        for (int y = 0; y < Size; y++)
        {
            for (int x = 0; x < Size; x++)
            {
                BitConverter.TryWriteBytes(pixels.AsSpan(((y * Size) + x) * 2), value(x, y));
            }
        }

        data.Bytes(0x7FE0, 0x0010, "OW", pixels);
        return DicomElementWriter.Part10(meta, data);
    }
}
