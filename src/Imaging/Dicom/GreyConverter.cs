namespace Synomaly.Imaging.Dicom;

/// <summary>
/// Turns a decoded frame into one float per pixel: stored values are masked to BitsStored (sign-extended when
/// PixelRepresentation is 1), monochrome values rescaled (Hounsfield units for CT) and MONOCHROME1 inverted within
/// its rescaled range, palette indices looked up, colour reduced to luminance (BT.601: 0.299 R + 0.587 G + 0.114 B,
/// which is the Y of YBR_FULL); the blue channel of colour and palette frames is available apart (<see cref="TryConvertBlue"/>).
/// </summary>
internal sealed class GreyConverter
{
    private readonly PixelDescription pixels;
    private readonly PaletteLut? palette;
    private readonly PixelRescale rescale;
    private readonly int shift;
    private readonly uint mask;
    private readonly double invertSum;

    /// <param name="rescale">The rescale of the frames this converter is used for (enhanced objects may differ per frame).</param>
    public GreyConverter(PixelDescription pixels, PaletteLut? palette, PixelRescale rescale)
    {
        this.pixels = pixels;
        this.palette = palette;
        this.rescale = rescale;
        shift = pixels.HighBit + 1 - pixels.BitsStored;
        mask = pixels.BitsStored >= 32 ? uint.MaxValue : (1u << pixels.BitsStored) - 1;

        // MONOCHROME1 maps the lowest value to white: reflect within the range the stored bits can hold, after rescale.
        double low = pixels.Signed ? -Math.Pow(2, pixels.BitsStored - 1) : 0;
        double high = pixels.Signed ? Math.Pow(2, pixels.BitsStored - 1) - 1 : Math.Pow(2, pixels.BitsStored) - 1;
        invertSum = Rescale(low) + Rescale(high);

        // A corrupt RescaleSlope or RescaleIntercept can carry stored values past float range; the infinities would turn
        // the slice into NaN downstream and its map into a silent "no anomaly".
        if (palette is null && !(float.IsFinite((float)Rescale(low)) && float.IsFinite((float)Rescale(high))))
        {
            throw DicomRejections.Malformed("RescaleSlope and RescaleIntercept map the stored values outside the range of 32-bit floats");
        }
    }

    public void Convert(DecodedFrame frame, Span<float> destination)
    {
        int count = destination.Length;
        var values = frame.Values.AsSpan();
        switch (frame.Color)
        {
            case FrameColor.Stored when palette is not null:
                for (int i = 0; i < count; i++)
                {
                    destination[i] = palette.Lookup(Stored(values[i]));
                }

                break;
            case FrameColor.Stored:
                bool invert = pixels.Photometric == "MONOCHROME1";
                for (int i = 0; i < count; i++)
                {
                    double value = Rescale(Stored(values[i]));
                    destination[i] = (float)(invert ? invertSum - value : value);
                }

                break;
            case FrameColor.Rgb:
                for (int i = 0; i < count; i++)
                {
                    destination[i] = (float)((0.299 * Unsigned(values[i])) + (0.587 * Unsigned(values[count + i])) + (0.114 * Unsigned(values[(2 * count) + i])));
                }

                break;
            default:
                // Ybr (luma is the first plane) and Luma.
                for (int i = 0; i < count; i++)
                {
                    destination[i] = Unsigned(values[i]);
                }

                break;
        }
    }

    /// <summary>
    /// The blue channel of a colour frame, for the ultrasound preset, whose reference reads frames by it (ALGORITHM.md 4.4):
    /// the third plane of RGB, B = Y + 1.772 (Cb - mid-range) of full-range YCbCr, rounded and clamped as an RGB
    /// export would be, or the blue palette entry of each index. False for frames that carry no colour (grey, luma read
    /// without its chroma) and for YBR_PARTIAL_422, whose partial range is kept as stored rather than converted.
    /// </summary>
    public bool TryConvertBlue(DecodedFrame frame, Span<float> destination)
    {
        int count = destination.Length;
        var values = frame.Values.AsSpan();
        if (frame.Color == FrameColor.Stored && palette is not null)
        {
            for (int i = 0; i < count; i++)
            {
                destination[i] = palette.LookupBlue(Stored(values[i]));
            }

            return true;
        }

        if (frame.Color == FrameColor.Rgb)
        {
            for (int i = 0; i < count; i++)
            {
                destination[i] = Unsigned(values[(2 * count) + i]);
            }

            return true;
        }

        if (frame.Color != FrameColor.Ybr || pixels.Photometric == "YBR_PARTIAL_422")
        {
            return false;
        }

        double middle = 1u << (pixels.BitsStored - 1);
        for (int i = 0; i < count; i++)
        {
            double blue = Unsigned(values[i]) + (1.772 * (Unsigned(values[count + i]) - middle));
            destination[i] = (float)Math.Clamp(Math.Round(blue), 0, mask);
        }

        return true;
    }

    private double Rescale(double stored) => rescale.Apply(stored);

    private uint Unsigned(int raw) => ((uint)raw >> shift) & mask;

    private long Stored(int raw)
    {
        uint value = Unsigned(raw);
        if (!pixels.Signed)
        {
            return value;
        }

        if (pixels.BitsStored >= 32)
        {
            return (int)value;
        }

        uint signBit = 1u << (pixels.BitsStored - 1);
        return (value & signBit) != 0 ? (long)value - (1L << pixels.BitsStored) : value;
    }
}
