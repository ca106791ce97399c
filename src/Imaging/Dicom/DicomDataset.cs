using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Synomaly.Imaging.Dicom;

/// <summary>
/// A parsed data set (the top level or a sequence item) with lenient typed accessors: strings are trimmed of padding,
/// numbers that do not parse read as absent rather than failing the whole file.
/// </summary>
internal sealed class DicomDataset
{
    private readonly Dictionary<uint, DicomElement> elements = [];

    public int Count => elements.Count;

    public IEnumerable<DicomElement> Elements => elements.Values;

    /// <summary>Adds an element; a repeated tag keeps the first occurrence (later duplicates are corrupt data).</summary>
    public void Add(DicomElement element) => elements.TryAdd(element.Tag.Value, element);

    public bool Contains(DicomTag tag) => elements.ContainsKey(tag.Value);

    public DicomElement? Get(DicomTag tag) => elements.GetValueOrDefault(tag.Value);

    /// <summary>The whole value as text (backslash-separated values kept), trimmed of space and NUL padding.</summary>
    public string? GetString(DicomTag tag)
    {
        var element = Get(tag);
        if (element is null)
        {
            return null;
        }

        // Latin-1 keeps every byte; the values read here (UIDs, code strings, numbers) are ASCII.
        string text = Encoding.Latin1.GetString(element.Value.Span).Trim(' ', '\0');
        return text.Length == 0 ? null : text;
    }

    public string[] GetStrings(DicomTag tag) =>
        GetString(tag)?.Split('\\').Select(s => s.Trim(' ', '\0')).ToArray() ?? [];

    /// <summary>Decimal string (DS) values; null if absent or if any value does not parse as a finite number.</summary>
    public double[]? GetDecimals(DicomTag tag)
    {
        var parts = GetStrings(tag);
        if (parts.Length == 0)
        {
            return null;
        }

        var values = new double[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !double.IsFinite(values[i]))
            {
                return null;
            }
        }

        return values;
    }

    public double? GetDecimal(DicomTag tag) => GetDecimals(tag) is [var first, ..] ? first : null;

    /// <summary>Integer string (IS) value, leniently also accepting a decimal written where an integer belongs.</summary>
    public int? GetIntegerString(DicomTag tag)
    {
        var text = GetStrings(tag).FirstOrDefault();
        if (text is null)
        {
            return null;
        }

        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value))
        {
            return value;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && d is >= int.MinValue and <= int.MaxValue
            ? (int)d
            : null;
    }

    /// <summary>An unsigned short (US) value; also accepts a 4-byte value or text, as some writers get the VR wrong.</summary>
    public int? GetUInt16(DicomTag tag)
    {
        var element = Get(tag);
        if (element is null)
        {
            return null;
        }

        var span = element.Value.Span;
        if (element.Vr is "IS" or "DS" || (span.Length > 4 && span.IndexOfAnyExceptInRange((byte)' ', (byte)'~') < 0))
        {
            return GetIntegerString(tag);
        }

        return span.Length switch
        {
            >= 4 when element.Vr is "UL" or "SL" => (int)Math.Min(ReadUInt32(span, element.BigEndian), int.MaxValue),
            >= 2 => ReadUInt16(span, element.BigEndian),
            _ => null,
        };
    }

    /// <summary>All 16-bit words of a value (LUT descriptors and LUT data), in the file's byte order.</summary>
    public ushort[]? GetUInt16Array(DicomTag tag)
    {
        var element = Get(tag);
        if (element is null)
        {
            return null;
        }

        var span = element.Value.Span;
        var words = new ushort[span.Length / 2];
        for (int i = 0; i < words.Length; i++)
        {
            words[i] = ReadUInt16(span[(2 * i)..], element.BigEndian);
        }

        return words;
    }

    /// <summary>A binary double (FD) value, null if absent, short or not finite.</summary>
    public double? GetFloat64(DicomTag tag)
    {
        var element = Get(tag);
        if (element is null || element.Value.Length < 8)
        {
            return null;
        }

        var span = element.Value.Span;
        double value = element.BigEndian ? BinaryPrimitives.ReadDoubleBigEndian(span) : BinaryPrimitives.ReadDoubleLittleEndian(span);
        return double.IsFinite(value) ? value : null;
    }

    public DicomDataset? FirstItem(DicomTag tag) => Get(tag)?.Items is [var first, ..] ? first : null;

    public IReadOnlyList<DicomDataset> Items(DicomTag tag) => Get(tag)?.Items ?? [];

    private static ushort ReadUInt16(ReadOnlySpan<byte> span, bool bigEndian) =>
        bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(span) : BinaryPrimitives.ReadUInt16LittleEndian(span);

    private static uint ReadUInt32(ReadOnlySpan<byte> span, bool bigEndian) =>
        bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(span) : BinaryPrimitives.ReadUInt32LittleEndian(span);
}
