using System.Buffers.Binary;
using System.Text;

namespace Synomaly.Imaging.Dicom;

/// <summary>
/// Reads named values from a Siemens CSA header (private element (0029,xx10), format "SV10"): a count of tags, each a
/// 64-byte name, VM, VR, type and item count, then items of (4 ints, value padded to 4 bytes). Every count and length
/// is bounded by the bytes present; anything unexpected ends the read with what was found so far.
/// </summary>
internal static class SiemensCsaHeader
{
    private const int MaxTags = 1024;
    private const int MaxItems = 512;

    public static Dictionary<string, string[]> Read(ReadOnlySpan<byte> csa)
    {
        var values = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (csa.Length < 16 || !csa.StartsWith("SV10"u8))
        {
            return values;
        }

        int tags = BinaryPrimitives.ReadInt32LittleEndian(csa[8..]);
        int pos = 16;
        for (int t = 0; t < tags && t < MaxTags; t++)
        {
            if (csa.Length - pos < 84)
            {
                break;
            }

            string name = Encoding.ASCII.GetString(csa.Slice(pos, 64)).Split('\0')[0];
            int items = BinaryPrimitives.ReadInt32LittleEndian(csa[(pos + 76)..]);
            pos += 84;
            if (items is < 0 or > MaxItems)
            {
                break;
            }

            var itemValues = new List<string>();
            for (int i = 0; i < items; i++)
            {
                if (csa.Length - pos < 16)
                {
                    return values;
                }

                int length = BinaryPrimitives.ReadInt32LittleEndian(csa[(pos + 4)..]);
                pos += 16;
                if (length < 0 || length > csa.Length - pos)
                {
                    return values;
                }

                string text = Encoding.ASCII.GetString(csa.Slice(pos, length)).Trim('\0', ' ');
                if (text.Length > 0)
                {
                    itemValues.Add(text);
                }

                pos += (length + 3) & ~3;
            }

            values.TryAdd(name, [.. itemValues]);
        }

        return values;
    }
}
