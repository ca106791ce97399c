using System.Buffers.Binary;

namespace Synomaly.Imaging.Nifti;

/// <summary>
/// Converts stored NIfTI voxels of any supported datatype and byte order to float, applying scl_slope/scl_inter.
/// RGB voxels become grey luminance (ITU-R BT.601 weights, as PIL's "L" conversion); scaling does not apply to them.
/// </summary>
internal static class NiftiVoxelDecoder
{
    /// <summary>Whether scl_slope and scl_inter apply to the datatype: RGB voxels are colours, not measurements.</summary>
    public static bool IsScaled(NiftiDataType type) => type is not (NiftiDataType.Rgb24 or NiftiDataType.Rgba32);

    /// <summary>
    /// Decodes <paramref name="destination"/>.Length voxels; returns how many were not finite (stored as 0). A finite
    /// stored value that the scaling, or the narrowing of a float64 to float, carries past float range is rejected as
    /// malformed instead.
    /// </summary>
    public static int Decode(ReadOnlySpan<byte> source, Span<float> destination, NiftiDataType type, bool bigEndian, double slope, double intercept)
    {
        int size = NiftiDataTypes.BytesPerVoxel(type);
        bool scale = (slope != 1 || intercept != 0) && IsScaled(type);
        int nonFinite = 0;
        for (int i = 0; i < destination.Length; i++)
        {
            var bytes = source.Slice(i * size, size);
            double value = type switch
            {
                NiftiDataType.UInt8 => bytes[0],
                NiftiDataType.Int8 => (sbyte)bytes[0],
                NiftiDataType.Int16 => bigEndian ? BinaryPrimitives.ReadInt16BigEndian(bytes) : BinaryPrimitives.ReadInt16LittleEndian(bytes),
                NiftiDataType.UInt16 => bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(bytes) : BinaryPrimitives.ReadUInt16LittleEndian(bytes),
                NiftiDataType.Int32 => bigEndian ? BinaryPrimitives.ReadInt32BigEndian(bytes) : BinaryPrimitives.ReadInt32LittleEndian(bytes),
                NiftiDataType.UInt32 => bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(bytes) : BinaryPrimitives.ReadUInt32LittleEndian(bytes),
                NiftiDataType.Int64 => bigEndian ? BinaryPrimitives.ReadInt64BigEndian(bytes) : BinaryPrimitives.ReadInt64LittleEndian(bytes),
                NiftiDataType.UInt64 => bigEndian ? BinaryPrimitives.ReadUInt64BigEndian(bytes) : BinaryPrimitives.ReadUInt64LittleEndian(bytes),
                NiftiDataType.Float32 => bigEndian ? BinaryPrimitives.ReadSingleBigEndian(bytes) : BinaryPrimitives.ReadSingleLittleEndian(bytes),
                NiftiDataType.Float64 => bigEndian ? BinaryPrimitives.ReadDoubleBigEndian(bytes) : BinaryPrimitives.ReadDoubleLittleEndian(bytes),
                NiftiDataType.Rgb24 or NiftiDataType.Rgba32 => (0.299 * bytes[0]) + (0.587 * bytes[1]) + (0.114 * bytes[2]),
                _ => throw new ScanRejectedException(ScanRejectionCode.UnsupportedPixelFormat, $"NIfTI datatype {(int)type} is not decoded."),
            };
            bool storedFinite = double.IsFinite(value);
            if (scale)
            {
                value = (value * slope) + intercept;
            }

            float result = (float)value;
            if (!float.IsFinite(result))
            {
                // A finite stored value pushed past float range by scl_slope/scl_inter means a corrupt header, and a
                // float64 beyond it (1e300) corrupt voxels, not a missing voxel: zeroing either would hide the damage
                // under a note about NaN (the DICOM reader rejects the same rescale).
                if (storedFinite)
                {
                    throw new ScanRejectedException(ScanRejectionCode.Malformed, scale
                        ? "NIfTI scl_slope and scl_inter map the stored values outside the range of 32-bit floats."
                        : "NIfTI voxels hold finite values outside the range of 32-bit floats.");
                }

                nonFinite++;
                result = 0;
            }

            destination[i] = result;
        }

        return nonFinite;
    }
}
