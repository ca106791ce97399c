using System.Buffers.Binary;
using System.Text;

namespace Synomaly.Imaging.Tests.Dicom;

/// <summary>
/// Writes small synthetic DICOM files for unit tests: a preamble and meta header, then elements in the order added,
/// in explicit or implicit VR little endian or explicit VR big endian. <see cref="Raw"/> appends hand-made bytes for
/// hostile structures (bad lengths, deep nesting).
/// </summary>
internal sealed class DicomBuilder
{
    private readonly MemoryStream body = new();

    public DicomBuilder(string transferSyntax = "1.2.840.10008.1.2.1")
    {
        TransferSyntax = transferSyntax;
    }

    public string TransferSyntax { get; }

    public bool Implicit => TransferSyntax == "1.2.840.10008.1.2";

    public bool BigEndian => TransferSyntax == "1.2.840.10008.1.2.2";

    public DicomBuilder Add(ushort group, ushort element, string vr, byte[] value)
    {
        var bytes = Element(group, element, vr, value, Implicit, BigEndian);
        body.Write(bytes);
        return this;
    }

    public DicomBuilder Text(ushort group, ushort element, string vr, string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        if (bytes.Length % 2 == 1)
        {
            bytes = [.. bytes, vr == "UI" ? (byte)0 : (byte)' '];
        }

        return Add(group, element, vr, bytes);
    }

    public DicomBuilder UShort(ushort group, ushort element, params ushort[] values)
    {
        var bytes = new byte[2 * values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            if (BigEndian)
            {
                BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2 * i), values[i]);
            }
            else
            {
                BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2 * i), values[i]);
            }
        }

        return Add(group, element, "US", bytes);
    }

    public DicomBuilder Raw(byte[] bytes)
    {
        body.Write(bytes);
        return this;
    }

    /// <summary>An image pixel module plus SOP class and modality, ready for pixel data.</summary>
    public DicomBuilder ImageModule(int rows, int columns, int bitsAllocated, int bitsStored, bool signed, string photometric, int samples = 1, int frames = 1, string sopClass = "1.2.840.10008.5.1.4.1.1.7", string modality = "OT")
    {
        Text(0x0008, 0x0016, "UI", sopClass);
        Text(0x0008, 0x0060, "CS", modality);
        UShort(0x0028, 0x0002, (ushort)samples);
        Text(0x0028, 0x0004, "CS", photometric);
        if (frames != 1)
        {
            Text(0x0028, 0x0008, "IS", frames.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        UShort(0x0028, 0x0010, (ushort)rows);
        UShort(0x0028, 0x0011, (ushort)columns);
        UShort(0x0028, 0x0100, (ushort)bitsAllocated);
        UShort(0x0028, 0x0101, (ushort)bitsStored);
        UShort(0x0028, 0x0102, (ushort)(bitsStored - 1));
        UShort(0x0028, 0x0103, (ushort)(signed ? 1 : 0));
        return this;
    }

    public DicomBuilder PixelData(byte[] pixels) => Add(0x7FE0, 0x0010, "OW", pixels);

    /// <summary>Encapsulated pixel data: an empty basic offset table, then one item per fragment, then the delimiter.</summary>
    public DicomBuilder Encapsulated(params byte[][] fragments)
    {
        var header = new byte[12];
        BinaryPrimitives.WriteUInt16LittleEndian(header, 0x7FE0);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(2), 0x0010);
        "OB"u8.CopyTo(header.AsSpan(4));
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), 0xFFFFFFFF);
        body.Write(header);
        body.Write(Item([]));
        foreach (var fragment in fragments)
        {
            body.Write(Item(fragment));
        }

        body.Write(Delimiter(0xE0DD));
        return this;
    }

    public byte[] Build(bool withMeta = true)
    {
        using var file = new MemoryStream();
        if (withMeta)
        {
            file.Write(new byte[128]);
            file.Write("DICM"u8);
            var ts = Encoding.ASCII.GetBytes(TransferSyntax);
            if (ts.Length % 2 == 1)
            {
                ts = [.. ts, 0];
            }

            file.Write(Element(0x0002, 0x0010, "UI", ts, implicitVr: false, bigEndian: false));
        }

        file.Write(body.ToArray());
        return file.ToArray();
    }

    public static byte[] Item(byte[] value)
    {
        var bytes = new byte[8 + value.Length];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, 0xFFFE);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2), 0xE000);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), (uint)value.Length);
        value.CopyTo(bytes, 8);
        return bytes;
    }

    public static byte[] Delimiter(ushort element)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, 0xFFFE);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2), element);
        return bytes;
    }

    public static byte[] Element(ushort group, ushort element, string vr, byte[] value, bool implicitVr, bool bigEndian)
    {
        bool longForm = vr is "OB" or "OW" or "OF" or "SQ" or "UN" or "UT";
        int header = implicitVr ? 8 : longForm ? 12 : 8;
        var bytes = new byte[header + value.Length];
        void U16(int at, ushort v)
        {
            if (bigEndian)
            {
                BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(at), v);
            }
            else
            {
                BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(at), v);
            }
        }

        void U32(int at, uint v)
        {
            if (bigEndian)
            {
                BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(at), v);
            }
            else
            {
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at), v);
            }
        }

        U16(0, group);
        U16(2, element);
        if (implicitVr)
        {
            U32(4, (uint)value.Length);
        }
        else
        {
            Encoding.ASCII.GetBytes(vr).CopyTo(bytes, 4);
            if (longForm)
            {
                U32(8, (uint)value.Length);
            }
            else
            {
                U16(6, (ushort)value.Length);
            }
        }

        value.CopyTo(bytes, header);
        return bytes;
    }
}
