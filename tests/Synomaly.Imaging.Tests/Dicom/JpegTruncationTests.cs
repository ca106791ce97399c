using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;

namespace Synomaly.Imaging.Tests.Dicom;

/// <summary>
/// A baseline JPEG frame cut short still decodes in libjpeg, with the missing rows filled with one value and only a
/// warning; the reader must reject it rather than hand the filler on as anatomy.
/// </summary>
public sealed class JpegTruncationTests
{
    private const string JpegBaseline = "1.2.840.10008.1.2.4.50";
    private const int Side = 64;

    private static byte[] GradientJpeg()
    {
        using var image = new Image<L8>(Side, Side);
        for (int y = 0; y < Side; y++)
        {
            for (int x = 0; x < Side; x++)
            {
                image[x, y] = new L8((byte)((x * 3) + (y * 2) + ((x * y) % 17)));
            }
        }

        using var stream = new MemoryStream();
        image.Save(stream, new JpegEncoder { ColorType = JpegColorType.Luminance, Quality = 95 });
        return stream.ToArray();
    }

    private static byte[] Dicom(byte[] frame) =>
        new DicomBuilder(JpegBaseline).ImageModule(Side, Side, 8, 8, signed: false, "MONOCHROME2").Encapsulated(frame).Build();

    [Fact]
    public void A_whole_baseline_jpeg_frame_decodes()
    {
        var volume = DicomTestFiles.Read(Dicom(GradientJpeg()));

        Assert.Equal((Side, Side, 1), (volume.Width, volume.Height, volume.Depth));
    }

    [Fact]
    public void A_baseline_jpeg_frame_cut_short_is_rejected_as_truncated()
    {
        var jpeg = GradientJpeg();
        // Half the entropy-coded data, an even length as fragments are: far more than the 1 bit per block the pre-check asks.
        int cut = (jpeg.Length / 2) & ~1;

        var rejection = DicomTestFiles.Rejection(Dicom(jpeg[..cut]));

        Assert.Equal(ScanRejectionCode.Truncated, rejection.Code);
        Assert.Contains("premature end", rejection.Message, StringComparison.Ordinal);
    }
}
