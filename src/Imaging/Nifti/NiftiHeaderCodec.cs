using System.Buffers.Binary;
using System.Text;

namespace Synomaly.Imaging.Nifti;

/// <summary>
/// Reads and writes the binary NIfTI-1 (348 bytes) and NIfTI-2 (540 bytes) headers. The byte order is detected from
/// sizeof_hdr, which is 348 or 540 in the writer's byte order; headers are always written little endian.
/// </summary>
public static class NiftiHeaderCodec
{
    public const int Nifti1HeaderSize = 348;
    public const int Nifti2HeaderSize = 540;

    /// <summary>The version (1 or 2) and byte order from the first four bytes, or null when they are not a NIfTI sizeof_hdr.</summary>
    public static (int Version, bool BigEndian)? DetectVersion(ReadOnlySpan<byte> first4)
    {
        if (first4.Length < 4)
        {
            return null;
        }

        int little = BinaryPrimitives.ReadInt32LittleEndian(first4);
        int big = BinaryPrimitives.ReadInt32BigEndian(first4);
        return (little, big) switch
        {
            (Nifti1HeaderSize, _) => (1, false),
            (_, Nifti1HeaderSize) => (1, true),
            (Nifti2HeaderSize, _) => (2, false),
            (_, Nifti2HeaderSize) => (2, true),
            _ => null,
        };
    }

    public static NiftiHeader Parse(ReadOnlySpan<byte> bytes)
    {
        var detected = DetectVersion(bytes) ?? throw new ScanRejectedException(ScanRejectionCode.UnknownFormat, "Not a NIfTI header: sizeof_hdr is neither 348 nor 540.");
        var (version, bigEndian) = detected;
        int size = version == 2 ? Nifti2HeaderSize : Nifti1HeaderSize;
        if (bytes.Length < size)
        {
            throw new ScanRejectedException(ScanRejectionCode.Truncated, $"The NIfTI-{version} header needs {size} bytes, the file has {bytes.Length}.");
        }

        var r = new FieldReader(bytes[..size], bigEndian);
        return version == 1 ? ParseNifti1(r) : ParseNifti2(r);
    }

    private static NiftiHeader ParseNifti1(FieldReader r)
    {
        var magic = r.Bytes(344, 4);
        bool single = magic[..3].SequenceEqual("n+1"u8);
        if (!single && !magic[..3].SequenceEqual("ni1"u8))
        {
            throw new ScanRejectedException(ScanRejectionCode.UnknownFormat, "A 348-byte header without the NIfTI-1 magic (an ANALYZE 7.5 header is not supported).");
        }

        var dim = new long[8];
        var pixdim = new double[8];
        for (int i = 0; i < 8; i++)
        {
            dim[i] = r.Int16(40 + (2 * i));
            pixdim[i] = r.Float32(76 + (4 * i));
        }

        return new NiftiHeader
        {
            Version = 1,
            BigEndian = r.BigEndian,
            Dim = dim,
            IntentCode = r.Int16(68),
            DataType = (NiftiDataType)r.Int16(70),
            BitPix = r.Int16(72),
            PixDim = pixdim,
            VoxOffset = ToOffset(r.Float32(108)),
            SclSlope = r.Float32(112),
            SclInter = r.Float32(116),
            XyztUnits = r.Byte(123),
            CalMax = r.Float32(124),
            CalMin = r.Float32(128),
            QformCode = r.Int16(252),
            SformCode = r.Int16(254),
            QuaternB = r.Float32(256),
            QuaternC = r.Float32(260),
            QuaternD = r.Float32(264),
            QOffsetX = r.Float32(268),
            QOffsetY = r.Float32(272),
            QOffsetZ = r.Float32(276),
            SRowX = [r.Float32(280), r.Float32(284), r.Float32(288), r.Float32(292)],
            SRowY = [r.Float32(296), r.Float32(300), r.Float32(304), r.Float32(308)],
            SRowZ = [r.Float32(312), r.Float32(316), r.Float32(320), r.Float32(324)],
            SingleFile = single,
        };
    }

    private static NiftiHeader ParseNifti2(FieldReader r)
    {
        var magic = r.Bytes(4, 3);
        bool single = magic.SequenceEqual("n+2"u8);
        if (!single && !magic.SequenceEqual("ni2"u8))
        {
            throw new ScanRejectedException(ScanRejectionCode.UnknownFormat, "A 540-byte header without the NIfTI-2 magic.");
        }

        var dim = new long[8];
        var pixdim = new double[8];
        for (int i = 0; i < 8; i++)
        {
            dim[i] = r.Int64(16 + (8 * i));
            pixdim[i] = r.Float64(104 + (8 * i));
        }

        return new NiftiHeader
        {
            Version = 2,
            BigEndian = r.BigEndian,
            DataType = (NiftiDataType)r.Int16(12),
            BitPix = r.Int16(14),
            Dim = dim,
            PixDim = pixdim,
            VoxOffset = r.Int64(168),
            SclSlope = r.Float64(176),
            SclInter = r.Float64(184),
            CalMax = r.Float64(192),
            CalMin = r.Float64(200),
            QformCode = r.Int32(344),
            SformCode = r.Int32(348),
            QuaternB = r.Float64(352),
            QuaternC = r.Float64(360),
            QuaternD = r.Float64(368),
            QOffsetX = r.Float64(376),
            QOffsetY = r.Float64(384),
            QOffsetZ = r.Float64(392),
            SRowX = [r.Float64(400), r.Float64(408), r.Float64(416), r.Float64(424)],
            SRowY = [r.Float64(432), r.Float64(440), r.Float64(448), r.Float64(456)],
            SRowZ = [r.Float64(464), r.Float64(472), r.Float64(480), r.Float64(488)],
            XyztUnits = r.Int32(500),
            IntentCode = r.Int32(504),
            SingleFile = single,
        };
    }

    /// <summary>NIfTI-1 stores vox_offset as a float; NaN or a negative value becomes -1 (rejected by the reader).</summary>
    private static long ToOffset(double value) => double.IsFinite(value) && value >= 0 && value < int.MaxValue ? (long)value : -1;

    /// <summary>The header in little endian, followed by the 4-byte extension flag (no extensions), ready for voxels.</summary>
    public static byte[] Encode(NiftiHeader h, string description)
    {
        int size = h.HeaderSize;
        var bytes = new byte[size + 4];
        var w = bytes.AsSpan();
        var desc = Encoding.ASCII.GetBytes(description.Length > 79 ? description[..79] : description);
        if (h.Version == 1)
        {
            BinaryPrimitives.WriteInt32LittleEndian(w, Nifti1HeaderSize);
            for (int i = 0; i < 8; i++)
            {
                BinaryPrimitives.WriteInt16LittleEndian(w[(40 + (2 * i))..], checked((short)h.Dim[i]));
                BinaryPrimitives.WriteSingleLittleEndian(w[(76 + (4 * i))..], (float)h.PixDim[i]);
            }

            BinaryPrimitives.WriteInt16LittleEndian(w[68..], (short)h.IntentCode);
            BinaryPrimitives.WriteInt16LittleEndian(w[70..], (short)h.DataType);
            BinaryPrimitives.WriteInt16LittleEndian(w[72..], (short)h.BitPix);
            BinaryPrimitives.WriteSingleLittleEndian(w[108..], h.VoxOffset);
            BinaryPrimitives.WriteSingleLittleEndian(w[112..], (float)h.SclSlope);
            BinaryPrimitives.WriteSingleLittleEndian(w[116..], (float)h.SclInter);
            w[123] = (byte)h.XyztUnits;
            BinaryPrimitives.WriteSingleLittleEndian(w[124..], (float)h.CalMax);
            BinaryPrimitives.WriteSingleLittleEndian(w[128..], (float)h.CalMin);
            desc.CopyTo(w[148..]);
            BinaryPrimitives.WriteInt16LittleEndian(w[252..], (short)h.QformCode);
            BinaryPrimitives.WriteInt16LittleEndian(w[254..], (short)h.SformCode);
            double[] quatern = [h.QuaternB, h.QuaternC, h.QuaternD, h.QOffsetX, h.QOffsetY, h.QOffsetZ];
            double[] srows = [.. h.SRowX, .. h.SRowY, .. h.SRowZ];
            for (int i = 0; i < quatern.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(w[(256 + (4 * i))..], (float)quatern[i]);
            }

            for (int i = 0; i < srows.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(w[(280 + (4 * i))..], (float)srows[i]);
            }

            "n+1\0"u8.CopyTo(w[344..]);
        }
        else
        {
            BinaryPrimitives.WriteInt32LittleEndian(w, Nifti2HeaderSize);
            "n+2\0\r\n\u001a\n"u8.CopyTo(w[4..]);
            BinaryPrimitives.WriteInt16LittleEndian(w[12..], (short)h.DataType);
            BinaryPrimitives.WriteInt16LittleEndian(w[14..], (short)h.BitPix);
            for (int i = 0; i < 8; i++)
            {
                BinaryPrimitives.WriteInt64LittleEndian(w[(16 + (8 * i))..], h.Dim[i]);
                BinaryPrimitives.WriteDoubleLittleEndian(w[(104 + (8 * i))..], h.PixDim[i]);
            }

            BinaryPrimitives.WriteInt64LittleEndian(w[168..], h.VoxOffset);
            BinaryPrimitives.WriteDoubleLittleEndian(w[176..], h.SclSlope);
            BinaryPrimitives.WriteDoubleLittleEndian(w[184..], h.SclInter);
            BinaryPrimitives.WriteDoubleLittleEndian(w[192..], h.CalMax);
            BinaryPrimitives.WriteDoubleLittleEndian(w[200..], h.CalMin);
            desc.CopyTo(w[240..]);
            BinaryPrimitives.WriteInt32LittleEndian(w[344..], h.QformCode);
            BinaryPrimitives.WriteInt32LittleEndian(w[348..], h.SformCode);
            double[] values = [h.QuaternB, h.QuaternC, h.QuaternD, h.QOffsetX, h.QOffsetY, h.QOffsetZ, .. h.SRowX, .. h.SRowY, .. h.SRowZ];
            for (int i = 0; i < values.Length; i++)
            {
                BinaryPrimitives.WriteDoubleLittleEndian(w[(352 + (8 * i))..], values[i]);
            }

            BinaryPrimitives.WriteInt32LittleEndian(w[500..], h.XyztUnits);
            BinaryPrimitives.WriteInt32LittleEndian(w[504..], h.IntentCode);
        }

        return bytes;
    }

    /// <summary>Typed field access at fixed offsets in the header's own byte order.</summary>
    private readonly ref struct FieldReader(ReadOnlySpan<byte> bytes, bool bigEndian)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;

        public bool BigEndian { get; } = bigEndian;

        public ReadOnlySpan<byte> Bytes(int offset, int count) => _bytes.Slice(offset, count);

        public byte Byte(int offset) => _bytes[offset];

        public short Int16(int offset) => BigEndian ? BinaryPrimitives.ReadInt16BigEndian(_bytes[offset..]) : BinaryPrimitives.ReadInt16LittleEndian(_bytes[offset..]);

        public int Int32(int offset) => BigEndian ? BinaryPrimitives.ReadInt32BigEndian(_bytes[offset..]) : BinaryPrimitives.ReadInt32LittleEndian(_bytes[offset..]);

        public long Int64(int offset) => BigEndian ? BinaryPrimitives.ReadInt64BigEndian(_bytes[offset..]) : BinaryPrimitives.ReadInt64LittleEndian(_bytes[offset..]);

        public double Float32(int offset) => BigEndian ? BinaryPrimitives.ReadSingleBigEndian(_bytes[offset..]) : BinaryPrimitives.ReadSingleLittleEndian(_bytes[offset..]);

        public double Float64(int offset) => BigEndian ? BinaryPrimitives.ReadDoubleBigEndian(_bytes[offset..]) : BinaryPrimitives.ReadDoubleLittleEndian(_bytes[offset..]);
    }
}
