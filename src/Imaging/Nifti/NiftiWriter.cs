using System.Buffers.Binary;
using System.IO.Compression;

namespace Synomaly.Imaging.Nifti;

/// <summary>
/// Writes a 3-D float or uint8 image as a single-file NIfTI (.nii, or .nii.gz when <c>gzip</c>) in little endian, with the
/// given geometry copied field for field (so the written affine equals the source's) and no free-text from the source.
/// </summary>
public static class NiftiWriter
{
    private const int ChunkVoxels = 64 * 1024;

    public static void Write(Stream output, ReadOnlySpan<float> voxels, int width, int height, int depth, NiftiGeometry geometry, NiftiDataType storedAs, bool gzip, string description)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(geometry);
        if ((long)width * height * depth != voxels.Length)
        {
            throw new ArgumentException($"Expected {(long)width * height * depth} voxels for {width}x{height}x{depth}, got {voxels.Length}.", nameof(voxels));
        }

        if (storedAs is not (NiftiDataType.Float32 or NiftiDataType.UInt8))
        {
            throw new ArgumentOutOfRangeException(nameof(storedAs), storedAs, "Maps are written as float32, masks as uint8.");
        }

        // NIfTI-1 holds dims up to 32767; larger images need the NIfTI-2 header.
        int version = Math.Max(geometry.Version, Math.Max(width, Math.Max(height, depth)) > short.MaxValue ? 2 : 1);
        var (min, max) = Range(voxels);
        var header = new NiftiHeader
        {
            Version = version,
            Dim = [3, width, height, depth, 1, 1, 1, 1],
            DataType = storedAs,
            BitPix = NiftiDataTypes.BytesPerVoxel(storedAs) * 8,
            PixDim = [.. geometry.PixDim],
            VoxOffset = (version == 2 ? NiftiHeaderCodec.Nifti2HeaderSize : NiftiHeaderCodec.Nifti1HeaderSize) + 4,
            SclSlope = 1,
            SclInter = 0,
            CalMin = min,
            CalMax = max,
            QformCode = geometry.QformCode,
            SformCode = geometry.SformCode,
            QuaternB = geometry.QuaternB,
            QuaternC = geometry.QuaternC,
            QuaternD = geometry.QuaternD,
            QOffsetX = geometry.QOffsetX,
            QOffsetY = geometry.QOffsetY,
            QOffsetZ = geometry.QOffsetZ,
            SRowX = geometry.SRowX,
            SRowY = geometry.SRowY,
            SRowZ = geometry.SRowZ,
            XyztUnits = geometry.XyztUnits,
        };

        using var target = gzip ? new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true) : (Stream)new NonDisposingWriter(output);
        target.Write(NiftiHeaderCodec.Encode(header, description));
        int size = NiftiDataTypes.BytesPerVoxel(storedAs);
        var buffer = new byte[ChunkVoxels * size];
        for (int done = 0; done < voxels.Length;)
        {
            int count = Math.Min(ChunkVoxels, voxels.Length - done);
            var chunk = voxels.Slice(done, count);
            for (int i = 0; i < count; i++)
            {
                if (storedAs == NiftiDataType.Float32)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(i * 4), chunk[i]);
                }
                else
                {
                    buffer[i] = (byte)Math.Clamp(MathF.Round(chunk[i]), 0, 255);
                }
            }

            target.Write(buffer, 0, count * size);
            done += count;
        }
    }

    private static (float Min, float Max) Range(ReadOnlySpan<float> voxels)
    {
        if (voxels.IsEmpty)
        {
            return (0, 0);
        }

        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        foreach (float v in voxels)
        {
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }

        return (min, max);
    }

    /// <summary>Lets the plain (.nii) path share the using-block with the gzip path without closing the caller's stream.</summary>
    private sealed class NonDisposingWriter(Stream inner) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

        public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);
    }
}
