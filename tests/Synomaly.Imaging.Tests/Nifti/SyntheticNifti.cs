using System.Buffers.Binary;

namespace Synomaly.Imaging.Tests.Nifti;

/// <summary>Builds small NIfTI-1 files by hand (independently of the production writer), in either byte order.</summary>
internal static class SyntheticNifti
{
    public static byte[] Build(short datatype, short bitpix, short[] dim, byte[] voxelBytes, bool bigEndian, float slope = 1, float intercept = 0, string magic = "n+1", float voxOffset = 352)
    {
        var bytes = new byte[352 + voxelBytes.Length];
        var s = bytes.AsSpan();
        void I16(int o, short v)
        {
            if (bigEndian) { BinaryPrimitives.WriteInt16BigEndian(bytes.AsSpan(o), v); } else { BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(o), v); }
        }

        void F32(int o, float v)
        {
            if (bigEndian) { BinaryPrimitives.WriteSingleBigEndian(bytes.AsSpan(o), v); } else { BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(o), v); }
        }

        if (bigEndian) { BinaryPrimitives.WriteInt32BigEndian(s, 348); } else { BinaryPrimitives.WriteInt32LittleEndian(s, 348); }
        for (int i = 0; i < dim.Length; i++)
        {
            I16(40 + (2 * i), dim[i]);
        }

        I16(70, datatype);
        I16(72, bitpix);
        F32(76, 1);
        F32(80, 1.5f);
        F32(84, 2f);
        F32(88, 3f);
        F32(108, voxOffset);
        F32(112, slope);
        F32(116, intercept);
        System.Text.Encoding.ASCII.GetBytes(magic).CopyTo(s[344..]);
        voxelBytes.CopyTo(s[352..]);
        return bytes;
    }

    /// <summary>Encodes integer sample values in the given width and byte order.</summary>
    public static byte[] Encode(IEnumerable<long> values, int width, bool bigEndian)
    {
        var list = values.ToList();
        var bytes = new byte[list.Count * width];
        for (int i = 0; i < list.Count; i++)
        {
            var span = bytes.AsSpan(i * width, width);
            long v = list[i];
            for (int b = 0; b < width; b++)
            {
                byte octet = (byte)(v >> (8 * b));
                span[bigEndian ? width - 1 - b : b] = octet;
            }
        }

        return bytes;
    }
}
