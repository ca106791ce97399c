using System.Globalization;

namespace Synomaly.Imaging.Dicom;

/// <summary>
/// PALETTE COLOR lookup: the red, green and blue LUTs (descriptor: entries, first mapped value, bits per entry) folded
/// into one luminance table, so an index maps straight to grey, and the blue LUT kept apart for the ultrasound preset,
/// which reads colour frames by their blue channel (ALGORITHM.md 4.4). Indices outside the table clamp to its ends, as
/// the standard prescribes. 16-bit entries are scaled to 0..255 so palette images share the range of 8-bit colour images.
/// </summary>
internal sealed class PaletteLut
{
    private readonly float[] grey;
    private readonly float[] blue;
    private readonly int firstMapped;

    private PaletteLut(float[] grey, float[] blue, int firstMapped)
    {
        this.grey = grey;
        this.blue = blue;
        this.firstMapped = firstMapped;
    }

    public static PaletteLut FromDataset(DicomDataset ds)
    {
        if (ds.Contains(DicomTag.SegmentedRedPaletteLutData) && !ds.Contains(DicomTag.RedPaletteLutData))
        {
            throw DicomRejections.PixelFormat("segmented palette colour lookup tables");
        }

        var red = ReadChannel(ds, DicomTag.RedPaletteLutDescriptor, DicomTag.RedPaletteLutData, "red");
        var green = ReadChannel(ds, DicomTag.GreenPaletteLutDescriptor, DicomTag.GreenPaletteLutData, "green");
        var blue = ReadChannel(ds, DicomTag.BluePaletteLutDescriptor, DicomTag.BluePaletteLutData, "blue");
        if (red.Values.Length != green.Values.Length || red.Values.Length != blue.Values.Length)
        {
            throw DicomRejections.Malformed("palette colour lookup tables differ in length");
        }

        var grey = new float[red.Values.Length];
        for (int i = 0; i < grey.Length; i++)
        {
            grey[i] = (float)((0.299 * red.Values[i]) + (0.587 * green.Values[i]) + (0.114 * blue.Values[i]));
        }

        return new PaletteLut(grey, blue.Values, red.FirstMapped);
    }

    /// <summary>The BT.601 luminance of the colour an index maps to.</summary>
    public float Lookup(long index) => grey[Entry(index)];

    /// <summary>The blue of the colour an index maps to, scaled like <see cref="Lookup"/>.</summary>
    public float LookupBlue(long index) => blue[Entry(index)];

    private int Entry(long index) => (int)Math.Clamp(index - firstMapped, 0, grey.Length - 1);

    private static (float[] Values, int FirstMapped) ReadChannel(DicomDataset ds, DicomTag descriptorTag, DicomTag dataTag, string name)
    {
        var descriptor = ds.GetUInt16Array(descriptorTag);
        var element = ds.Get(dataTag);
        if (descriptor is not { Length: >= 3 } || element is null)
        {
            throw DicomRejections.Malformed($"PALETTE COLOR image without a usable {name} lookup table");
        }

        int entries = descriptor[0] == 0 ? 65536 : descriptor[0];
        int bits = descriptor[2];
        var bytes = element.Value.Span;
        var values = new float[entries];
        if (bits == 8 && bytes.Length is var n && (n == entries || n == entries + 1))
        {
            // 8-bit entries packed one per byte.
            for (int i = 0; i < entries; i++)
            {
                values[i] = bytes[i];
            }

            return (values, descriptor[1]);
        }

        var words = ds.GetUInt16Array(dataTag)!;
        if (words.Length < entries)
        {
            throw DicomRejections.Malformed(string.Create(CultureInfo.InvariantCulture, $"the {name} lookup table holds {words.Length} of {entries} entries"));
        }

        // 16-bit entries span 0..65535; some writers declare 16 bits but store 8-bit values, which are kept as they are.
        bool wide = words.AsSpan(0, entries).IndexOfAnyExceptInRange((ushort)0, (ushort)255) >= 0;
        for (int i = 0; i < entries; i++)
        {
            values[i] = wide && bits != 8 ? words[i] / 257f : bits == 8 && words[i] > 255 ? words[i] >> 8 : words[i];
        }

        return (values, descriptor[1]);
    }
}
