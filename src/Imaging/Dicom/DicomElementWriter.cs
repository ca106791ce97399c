using System.Buffers.Binary;
using System.Text;

namespace Synomaly.Imaging.Dicom;

/// <summary>
/// Writes DICOM elements in Explicit VR Little Endian, values padded to even length (UI with NUL, text with space), and
/// assembles Part 10 files. Used for the Secondary Capture output and to build conformance and bad-input files.
/// </summary>
public sealed class DicomElementWriter
{
    private const uint UndefinedLength = 0xFFFFFFFF;
    private readonly MemoryStream bytes = new();

    public void Text(ushort group, ushort element, string vr, string value)
    {
        var encoded = Encoding.ASCII.GetBytes(value);
        if (encoded.Length % 2 == 1)
        {
            encoded = [.. encoded, vr == "UI" ? (byte)0 : (byte)' '];
        }

        Bytes(group, element, vr, encoded);
    }

    public void UShort(ushort group, ushort element, ushort value)
    {
        var encoded = new byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(encoded, value);
        Bytes(group, element, "US", encoded);
    }

    public void UInt(ushort group, ushort element, uint value)
    {
        var encoded = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(encoded, value);
        Bytes(group, element, "UL", encoded);
    }

    public void Bytes(ushort group, ushort element, string vr, byte[] value)
    {
        if (value.Length % 2 == 1)
        {
            value = [.. value, 0];
        }

        Header(group, element, vr, (uint)value.Length);
        bytes.Write(value);
    }

    /// <summary>
    /// Pixel Data as encapsulated fragments (PS3.5 A.4): undefined length, an empty basic offset table, one item per
    /// fragment and the sequence delimiter. Compressed transfer syntaxes store their frames this way.
    /// </summary>
    public void EncapsulatedPixelData(IEnumerable<byte[]> fragments)
    {
        ArgumentNullException.ThrowIfNull(fragments);
        Header(0x7FE0, 0x0010, "OB", UndefinedLength);
        Item(0xE000, []);
        foreach (var fragment in fragments)
        {
            Item(0xE000, fragment.Length % 2 == 1 ? [.. fragment, 0] : fragment);
        }

        Item(0xE0DD, []);
    }

    public byte[] ToArray() => bytes.ToArray();

    /// <summary>A Part 10 file: preamble, "DICM", the meta group with its group length, then the data set.</summary>
    public static byte[] Part10(DicomElementWriter meta, DicomElementWriter data)
    {
        ArgumentNullException.ThrowIfNull(meta);
        ArgumentNullException.ThrowIfNull(data);
        using var file = new MemoryStream();
        file.Write(new byte[128]);
        file.Write("DICM"u8);
        var metaBytes = meta.ToArray();
        var groupLength = new DicomElementWriter();
        groupLength.UInt(0x0002, 0x0000, (uint)metaBytes.Length);
        file.Write(groupLength.ToArray());
        file.Write(metaBytes);
        file.Write(data.ToArray());
        return file.ToArray();
    }

    private void Header(ushort group, ushort element, string vr, uint length)
    {
        Span<byte> head = stackalloc byte[12];
        BinaryPrimitives.WriteUInt16LittleEndian(head, group);
        BinaryPrimitives.WriteUInt16LittleEndian(head[2..], element);
        head[4] = (byte)vr[0];
        head[5] = (byte)vr[1];
        if (vr is "OB" or "OW" or "SQ" or "UN" or "UT")
        {
            head[6] = 0;
            head[7] = 0;
            BinaryPrimitives.WriteUInt32LittleEndian(head[8..], length);
            bytes.Write(head);
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(head[6..], checked((ushort)length));
            bytes.Write(head[..8]);
        }
    }

    /// <summary>An item (FFFE,E000) or sequence delimiter (FFFE,E0DD): tag and 4-byte length, no VR.</summary>
    private void Item(ushort element, byte[] value)
    {
        Span<byte> head = stackalloc byte[8];
        BinaryPrimitives.WriteUInt16LittleEndian(head, 0xFFFE);
        BinaryPrimitives.WriteUInt16LittleEndian(head[2..], element);
        BinaryPrimitives.WriteUInt32LittleEndian(head[4..], (uint)value.Length);
        bytes.Write(head);
        bytes.Write(value);
    }
}
