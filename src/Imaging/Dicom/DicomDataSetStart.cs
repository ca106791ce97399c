using System.Buffers.Binary;
using System.Text;

namespace Synomaly.Imaging.Dicom;

/// <summary>
/// How a DICOM data set without the 128-byte preamble may begin. Shared by the parser, which decides where to start
/// reading, and the format sniffer, which must recognise the same files from their first bytes (and little else).
/// </summary>
internal static class DicomDataSetStart
{
    /// <summary>Most stray bytes skipped before a bare data set (pydicom's <c>no_meta.dcm</c> has one).</summary>
    public const int MaxStrayBytes = 7;

    private const int ElementHeaderBytes = 8;

    /// <summary>A data set without meta header starts with a small even group (0008 usually) in either byte order.</summary>
    public static bool HasBareGroup(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < ElementHeaderBytes)
        {
            return false;
        }

        return IsBareGroup(BinaryPrimitives.ReadUInt16LittleEndian(bytes)) || IsBareGroup(BinaryPrimitives.ReadUInt16BigEndian(bytes));
    }

    /// <summary>
    /// Whether the first element header looks real rather than like any two bytes of a small even number: an explicit VR
    /// (in either byte order), or an implicit VR little endian length that is undefined or even and below 64 KiB (the
    /// first elements are short strings and group lengths).
    /// </summary>
    public static bool HasPlausibleFirstElement(ReadOnlySpan<byte> bytes)
    {
        if (!HasBareGroup(bytes))
        {
            return false;
        }

        if (HasKnownVr(bytes))
        {
            return true;
        }

        uint length = BinaryPrimitives.ReadUInt32LittleEndian(bytes[4..]);
        return IsBareGroup(BinaryPrimitives.ReadUInt16LittleEndian(bytes)) && (length == uint.MaxValue || (length % 2 == 0 && length < 0x10000));
    }

    /// <summary>
    /// A bare data set preceded by a few stray bytes (seen in the wild): the offset of an explicit VR little endian element
    /// of group 0008 within the first <see cref="MaxStrayBytes"/> bytes, or null when there is none.
    /// </summary>
    public static int? StrayBytesBeforeDataSet(ReadOnlySpan<byte> bytes)
    {
        for (int offset = 1; offset <= MaxStrayBytes && bytes.Length - offset >= ElementHeaderBytes; offset++)
        {
            var element = bytes[offset..];
            if (BinaryPrimitives.ReadUInt16LittleEndian(element) == 0x0008 && HasKnownVr(element))
            {
                return offset;
            }
        }

        return null;
    }

    private static bool IsBareGroup(ushort group) => group is >= 0x0002 and <= 0x0028 && group % 2 == 0;

    private static bool HasKnownVr(ReadOnlySpan<byte> element) =>
        DicomVr.LooksLikeVr(element[4], element[5]) && DicomVr.IsKnown(Encoding.ASCII.GetString(element.Slice(4, 2)));
}
