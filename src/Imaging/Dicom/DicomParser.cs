using System.Buffers.Binary;
using System.Globalization;

namespace Synomaly.Imaging.Dicom;

/// <summary>
/// Parses a DICOM Part 10 file, or a bare data set without preamble and meta header, from bytes already in memory.
/// Every length is checked against the bytes that remain before it is used, nesting depth and element count are
/// bounded, and every loop advances by at least one element header, so hostile input ends in a typed rejection.
/// Lenient where real files need it: a missing meta group length or transfer syntax, implicit elements inside an
/// explicit data set, stray delimiters, and junk after the pixel data are tolerated and noted.
/// </summary>
internal sealed class DicomParser
{
    /// <summary>Deepest sequence nesting accepted (real files rarely go beyond 6: SR trees).</summary>
    public const int MaxDepth = 24;

    /// <summary>Most data elements in one file; each costs an object, so this bounds memory independently of file size.</summary>
    public const int MaxElements = 1_000_000;

    private const uint UndefinedLength = 0xFFFFFFFF;

    private readonly byte[] data;
    private readonly List<string> notes = [];
    private int elementCount;

    private DicomParser(byte[] data) => this.data = data;

    private readonly record struct Encoding(bool Explicit, bool BigEndian);

    public static DicomFile Parse(byte[] data, ScanReadLimits limits)
    {
        ArgumentNullException.ThrowIfNull(data);
        return new DicomParser(data).ParseFile(limits);
    }

    private DicomFile ParseFile(ScanReadLimits limits)
    {
        if (data.Length == 0)
        {
            throw new ScanRejectedException(ScanRejectionCode.Empty, "The DICOM file is empty.");
        }

        int pos = FindDataStart(out bool hasMarker);
        var meta = new DicomDataset();
        if (data.Length - pos >= 8 && ReadUInt16(pos, bigEndian: false) == 0x0002)
        {
            pos = ParseMetaGroup(pos, meta);
        }
        else if (!hasMarker && !DicomDataSetStart.HasBareGroup(data.AsSpan(pos)))
        {
            pos = SkipLeadingJunk();
        }

        var syntax = ResolveSyntax(meta, pos);
        byte[] body = data;
        if (syntax.Deflated)
        {
            body = DeflatedDataSet.Inflate(data.AsMemory(pos), limits);
            pos = 0;
        }

        var encoding = DetectEncoding(body, pos, syntax);
        var parser = body == data ? this : new DicomParser(body);
        var dataset = parser.ParseTopLevel(pos, encoding);
        if (parser != this)
        {
            notes.AddRange(parser.notes);
        }

        return new DicomFile(syntax, meta, dataset, notes);
    }

    /// <summary>Skips the 128-byte preamble and "DICM" marker where present (also a bare "DICM" at offset 0).</summary>
    private int FindDataStart(out bool hasMarker)
    {
        hasMarker = true;
        if (data.Length >= 132 && data.AsSpan(128, 4).SequenceEqual("DICM"u8))
        {
            return 132;
        }

        if (data.Length >= 4 && data.AsSpan(0, 4).SequenceEqual("DICM"u8))
        {
            notes.Add("no preamble before the DICM marker");
            return 4;
        }

        hasMarker = false;
        notes.Add("no preamble or meta header");
        return 0;
    }

    /// <summary>
    /// A bare data set preceded by a few stray bytes (seen in the wild): resynchronise on an explicit VR element of
    /// group 0008 within the first bytes; otherwise the bytes are not DICOM.
    /// </summary>
    private int SkipLeadingJunk()
    {
        int offset = DicomDataSetStart.StrayBytesBeforeDataSet(data)
            ?? throw new ScanRejectedException(ScanRejectionCode.UnknownFormat, "Not a DICOM file: no DICM marker and no plausible first data element.");
        notes.Add(string.Create(CultureInfo.InvariantCulture, $"skipped {offset} stray bytes before the data set"));
        return offset;
    }

    /// <summary>The meta group: always explicit VR little endian; its group length is not trusted (often wrong or absent).</summary>
    private int ParseMetaGroup(int pos, DicomDataset meta)
    {
        var encoding = new Encoding(Explicit: DicomVr.LooksLikeVr(data[pos + 4], data[pos + 5]), BigEndian: false);
        while (data.Length - pos >= 8 && ReadUInt16(pos, false) == 0x0002)
        {
            meta.Add(ReadElement(ref pos, data.Length, encoding, depth: 0));
        }

        return pos;
    }

    private DicomTransferSyntax ResolveSyntax(DicomDataset meta, int pos)
    {
        string? uid = meta.GetString(DicomTag.TransferSyntaxUid);
        if (uid is not null)
        {
            return DicomTransferSyntax.FromUid(uid);
        }

        // No transfer syntax declared: guess from the first element's byte order and whether it carries a VR.
        if (data.Length - pos < 8)
        {
            throw DicomRejections.Truncated("no data set after the meta header");
        }

        bool bigEndian = ReadUInt16(pos, false) > 0x00FF && ReadUInt16(pos, true) <= 0x00FF;
        bool explicitVr = DicomVr.LooksLikeVr(data[pos + 4], data[pos + 5]) && DicomVr.IsKnown(System.Text.Encoding.ASCII.GetString(data, pos + 4, 2));
        notes.Add("transfer syntax not declared; guessed from the data set");
        return bigEndian ? DicomTransferSyntax.ExplicitVrBigEndian
            : explicitVr ? DicomTransferSyntax.ExplicitVrLittleEndian
            : DicomTransferSyntax.ImplicitVrLittleEndian;
    }

    /// <summary>Trusts the declared VR encoding unless the first element plainly says otherwise (a common writer bug).</summary>
    private Encoding DetectEncoding(byte[] body, int pos, DicomTransferSyntax syntax)
    {
        if (body.Length - pos < 8 || syntax.BigEndian)
        {
            return new Encoding(syntax.ExplicitVr, syntax.BigEndian);
        }

        bool vrOnWire = DicomVr.LooksLikeVr(body[pos + 4], body[pos + 5])
            && DicomVr.IsKnown(System.Text.Encoding.ASCII.GetString(body, pos + 4, 2));
        if (vrOnWire != syntax.ExplicitVr)
        {
            notes.Add(vrOnWire ? "declared implicit VR but the data set is explicit" : "declared explicit VR but the data set is implicit");
        }

        return new Encoding(vrOnWire, false);
    }

    private DicomDataset ParseTopLevel(int pos, Encoding encoding)
    {
        var dataset = new DicomDataset();
        bool pixelDataSeen = false;
        while (pos < data.Length)
        {
            if (data.Length - pos < 8)
            {
                notes.Add(string.Create(CultureInfo.InvariantCulture, $"ignored {data.Length - pos} trailing bytes"));
                break;
            }

            try
            {
                if (SkipDelimiter(ref pos))
                {
                    continue;
                }

                var element = ReadElement(ref pos, data.Length, encoding, depth: 0);
                dataset.Add(element);
                pixelDataSeen |= element.Tag == DicomTag.PixelData;
            }
            catch (ScanRejectedException) when (pixelDataSeen)
            {
                // Junk after complete pixel data (padding, a cut-off trailing element): the image is whole, keep it.
                notes.Add("ignored unreadable data after the pixel data");
                break;
            }
        }

        return dataset;
    }

    /// <summary>Stray item or sequence delimiters at data-set level are skipped (8 bytes each), as lenient readers do.</summary>
    private bool SkipDelimiter(ref int pos)
    {
        var tag = ReadTag(pos, false);
        if (tag.Group != 0xFFFE)
        {
            return false;
        }

        if (tag != DicomTag.ItemDelimitation && tag != DicomTag.SequenceDelimitation)
        {
            throw DicomRejections.Malformed($"unexpected item tag {tag} in a data set");
        }

        pos += 8;
        return true;
    }

    private DicomElement ReadElement(ref int pos, int end, Encoding encoding, int depth)
    {
        if (++elementCount > MaxElements)
        {
            throw DicomRejections.Limit($"more than {MaxElements} data elements");
        }

        if (end - pos < 8)
        {
            throw DicomRejections.Truncated("an element header is cut off");
        }

        var tag = ReadTag(pos, encoding.BigEndian);
        string? vr = null;
        long length;
        int header;
        if (encoding.Explicit && DicomVr.LooksLikeVr(data[pos + 4], data[pos + 5]))
        {
            vr = System.Text.Encoding.ASCII.GetString(data, pos + 4, 2);
            if (DicomVr.HasLongLength(vr) || !DicomVr.IsKnown(vr))
            {
                // Unknown VRs take the 4-byte length form, as the standard requires for VRs added after a reader was written.
                if (end - pos < 12)
                {
                    throw DicomRejections.Truncated($"the header of element {tag} is cut off");
                }

                length = ReadUInt32(pos + 8, encoding.BigEndian);
                header = 12;
                vr = DicomVr.IsKnown(vr) ? vr : "UN";
            }
            else
            {
                length = ReadUInt16(pos + 6, encoding.BigEndian);
                header = 8;
            }
        }
        else
        {
            // Implicit VR (or an implicit element inside an explicit data set, which some writers produce).
            length = ReadUInt32(pos + 4, encoding.BigEndian);
            header = 8;
            vr = tag == DicomTag.PixelData ? null : DicomVr.IsImplicitSequence(tag) ? "SQ" : null;
        }

        pos += header;
        if (length == UndefinedLength)
        {
            return ReadUndefinedLength(tag, vr, ref pos, end, encoding, depth);
        }

        if (length > end - pos)
        {
            throw DicomRejections.Truncated(string.Create(CultureInfo.InvariantCulture, $"element {tag} declares {length} bytes but only {end - pos} remain"));
        }

        int valueStart = pos;
        pos += (int)length;
        var value = data.AsMemory(valueStart, (int)length);
        if (vr == "SQ" && length > 0)
        {
            int itemPos = valueStart;
            return new DicomElement(tag, vr, value, encoding.BigEndian)
            {
                Items = ReadItems(tag, ref itemPos, valueStart + (int)length, undefinedLength: false, encoding, depth + 1),
            };
        }

        if (tag == DicomTag.PixelData && length >= 8 && ReadTag(valueStart, encoding.BigEndian) == DicomTag.Item)
        {
            // Encapsulated pixel data written with a defined length (non-conformant, but seen): read its fragments anyway.
            int fragmentPos = valueStart;
            var encapsulated = TryReadFragments(ref fragmentPos, valueStart + (int)length, encoding, requireDelimiter: false);
            return new DicomElement(tag, vr, value, encoding.BigEndian) { Encapsulated = encapsulated };
        }

        return new DicomElement(tag, vr, value, encoding.BigEndian);
    }

    private DicomElement ReadUndefinedLength(DicomTag tag, string? vr, ref int pos, int end, Encoding encoding, int depth)
    {
        int start = pos;
        if (tag == DicomTag.PixelData)
        {
            var encapsulated = TryReadFragments(ref pos, end, encoding, requireDelimiter: true)
                ?? throw DicomRejections.Malformed("encapsulated pixel data does not start with an item");
            return new DicomElement(tag, vr, data.AsMemory(start, pos - start), encoding.BigEndian) { Encapsulated = encapsulated };
        }

        if (vr is null or "SQ" or "UN")
        {
            // An undefined-length UN element is a sequence whose content is encoded implicit VR little endian (PS3.5 6.2.2).
            var itemEncoding = vr == "UN" ? new Encoding(false, false) : encoding;
            var items = ReadItems(tag, ref pos, end, undefinedLength: true, itemEncoding, depth + 1);
            return new DicomElement(tag, "SQ", data.AsMemory(start, pos - start), encoding.BigEndian) { Items = items };
        }

        throw DicomRejections.Malformed($"element {tag} with VR {vr} has an undefined length");
    }

    private List<DicomDataset> ReadItems(DicomTag sequence, ref int pos, int end, bool undefinedLength, Encoding encoding, int depth)
    {
        if (depth > MaxDepth)
        {
            throw DicomRejections.Malformed($"sequences nested deeper than {MaxDepth} levels");
        }

        var items = new List<DicomDataset>();
        while (true)
        {
            if (!undefinedLength && pos >= end)
            {
                return items;
            }

            if (end - pos < 8)
            {
                throw undefinedLength
                    ? DicomRejections.Truncated($"sequence {sequence} has no sequence delimiter")
                    : DicomRejections.Malformed($"sequence {sequence} ends inside an item header");
            }

            var tag = ReadTag(pos, encoding.BigEndian);
            long length = ReadUInt32(pos + 4, encoding.BigEndian);
            pos += 8;
            if (tag == DicomTag.SequenceDelimitation)
            {
                return items;
            }

            if (tag == DicomTag.ItemDelimitation)
            {
                continue;
            }

            if (tag != DicomTag.Item)
            {
                throw DicomRejections.Malformed($"sequence {sequence} holds {tag} where an item was expected");
            }

            if (++elementCount > MaxElements)
            {
                throw DicomRejections.Limit($"more than {MaxElements} data elements");
            }

            items.Add(length == UndefinedLength
                ? ReadItemUntilDelimiter(ref pos, end, encoding, depth)
                : ReadDefinedItem(sequence, ref pos, end, length, encoding, depth));
        }
    }

    private DicomDataset ReadDefinedItem(DicomTag sequence, ref int pos, int end, long length, Encoding encoding, int depth)
    {
        if (length > end - pos)
        {
            throw DicomRejections.Truncated(string.Create(CultureInfo.InvariantCulture, $"an item of sequence {sequence} declares {length} bytes but only {end - pos} remain"));
        }

        int itemEnd = pos + (int)length;
        var item = new DicomDataset();
        while (pos < itemEnd)
        {
            if (itemEnd - pos >= 8 && ReadTag(pos, encoding.BigEndian).Group == 0xFFFE)
            {
                pos += 8;
                continue;
            }

            item.Add(ReadElement(ref pos, itemEnd, encoding, depth));
        }

        return item;
    }

    private DicomDataset ReadItemUntilDelimiter(ref int pos, int end, Encoding encoding, int depth)
    {
        var item = new DicomDataset();
        while (true)
        {
            if (end - pos < 8)
            {
                throw DicomRejections.Truncated("a sequence item has no item delimiter");
            }

            var tag = ReadTag(pos, encoding.BigEndian);
            if (tag == DicomTag.ItemDelimitation)
            {
                pos += 8;
                return item;
            }

            if (tag == DicomTag.SequenceDelimitation)
            {
                // Missing item delimiter: leave the sequence delimiter for the sequence loop.
                notes.Add("a sequence item lacks its item delimiter");
                return item;
            }

            item.Add(ReadElement(ref pos, end, encoding, depth));
        }
    }

    /// <summary>
    /// Reads the items of encapsulated pixel data: the basic offset table, then the fragments, up to the sequence delimiter.
    /// Returns null if the value does not start with an item tag.
    /// </summary>
    private EncapsulatedPixelData? TryReadFragments(ref int pos, int end, Encoding encoding, bool requireDelimiter)
    {
        ReadOnlyMemory<byte>? offsetTable = null;
        int fragmentBase = 0;
        var fragments = new List<PixelFragment>();
        while (true)
        {
            if (end - pos < 8)
            {
                if (!requireDelimiter && pos >= end && offsetTable is not null)
                {
                    break;
                }

                throw DicomRejections.Truncated("encapsulated pixel data has no sequence delimiter");
            }

            var tag = ReadTag(pos, encoding.BigEndian);
            long length = ReadUInt32(pos + 4, encoding.BigEndian);
            if (tag == DicomTag.SequenceDelimitation)
            {
                pos += 8;
                break;
            }

            if (tag != DicomTag.Item)
            {
                if (offsetTable is null)
                {
                    return null;
                }

                throw DicomRejections.Malformed($"encapsulated pixel data holds {tag} where a fragment was expected");
            }

            if (length == UndefinedLength)
            {
                throw DicomRejections.Malformed("a pixel data fragment has an undefined length");
            }

            if (++elementCount > MaxElements)
            {
                throw DicomRejections.Limit($"more than {MaxElements} data elements");
            }

            int itemStart = pos;
            pos += 8;
            if (length > end - pos)
            {
                throw DicomRejections.Truncated(string.Create(CultureInfo.InvariantCulture, $"a pixel data fragment declares {length} bytes but only {end - pos} remain"));
            }

            var value = data.AsMemory(pos, (int)length);
            pos += (int)length;
            if (offsetTable is null)
            {
                offsetTable = value;
                fragmentBase = pos;
            }
            else
            {
                fragments.Add(new PixelFragment(itemStart - fragmentBase, value));
            }
        }

        return new EncapsulatedPixelData(offsetTable ?? ReadOnlyMemory<byte>.Empty, fragments);
    }

    private DicomTag ReadTag(int pos, bool bigEndian) => new(ReadUInt16(pos, bigEndian), ReadUInt16(pos + 2, bigEndian));

    private ushort ReadUInt16(int pos, bool bigEndian) =>
        bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(pos)) : BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan(pos));

    private uint ReadUInt32(int pos, bool bigEndian) =>
        bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(pos)) : BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(pos));
}
