using System.Globalization;
using System.IO.Compression;
using Synomaly.Contracts;
using Synomaly.Imaging.Reading;
using Synomaly.Imaging.Volumes;

namespace Synomaly.Imaging.Nifti;

/// <summary>
/// Reads NIfTI-1 and NIfTI-2 single files (.nii), plain or gzip-compressed (.nii.gz), in either byte order, into a
/// <see cref="Volume"/>. Every size is checked against <see cref="ScanReadLimits"/> before allocating, only the requested
/// volume of a 4-D file is decoded, and every failure is a <see cref="ScanRejectedException"/>.
/// </summary>
public static class NiftiReader
{
    private const int ChunkVoxels = 64 * 1024;

    /// <summary>
    /// Where the file's length is unknown (gzip, a forward-only upload), the voxel buffer starts at this many voxels and
    /// grows as the data arrives, so a small file that declares a huge volume ends Truncated before that volume is allocated.
    /// </summary>
    private const int FirstBufferVoxels = 4 * 1024 * 1024;

    public static Volume Read(Stream stream, ScanReadLimits limits, NiftiReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return Read(stream, limits, options, stream.CanSeek ? stream.Length - stream.Position : null);
    }

    /// <param name="length">The bytes the stream holds from its current position, when the caller knows it (null: unknown).</param>
    internal static Volume Read(Stream stream, ScanReadLimits limits, NiftiReadOptions? options, long? length)
    {
        options ??= NiftiReadOptions.Default;
        try
        {
            using var opened = Open(stream, limits, length);
            var header = ReadHeader(opened.Stream, out var rawHeader);
            return ReadVoxels(opened, header, rawHeader, limits, options);
        }
        catch (InvalidDataException e)
        {
            throw new ScanRejectedException(ScanRejectionCode.Malformed, "The gzip data is corrupt.", e);
        }
        catch (EndOfStreamException e)
        {
            throw new ScanRejectedException(ScanRejectionCode.Truncated, "The file ends early.", e);
        }
    }

    /// <summary>The parsed header only (for inspection), with the same validation as <see cref="Read"/>.</summary>
    public static NiftiHeader ReadHeader(Stream stream, ScanReadLimits limits)
    {
        try
        {
            using var opened = Open(stream, limits, length: null);
            var header = ReadHeader(opened.Stream, out _);
            Validate(header, limits, NiftiReadOptions.Default);
            return header;
        }
        catch (InvalidDataException e)
        {
            throw new ScanRejectedException(ScanRejectionCode.Malformed, "The gzip data is corrupt.", e);
        }
    }

    private static OpenedStream Open(Stream stream, ScanReadLimits limits, long? length)
    {
        var magic = new byte[2];
        int n = StreamReading.ReadUpTo(stream, magic);
        if (n == 0)
        {
            throw new ScanRejectedException(ScanRejectionCode.Empty, "The file is empty.");
        }

        var replay = new PrefixedStream(magic.AsMemory(0, n), new NonClosingStream(stream));
        if (n == 2 && magic[0] == 0x1F && magic[1] == 0x8B)
        {
            var gzip = new GZipStream(replay, CompressionMode.Decompress);
            return new OpenedStream(new ByteBudgetStream(gzip, limits.MaxDecompressedBytes, "decompressed NIfTI data"), ScanFormat.NiftiGzip, length: null);
        }

        return new OpenedStream(replay, ScanFormat.Nifti, length);
    }

    private static NiftiHeader ReadHeader(Stream stream, out byte[] raw)
    {
        var first = new byte[NiftiHeaderCodec.Nifti1HeaderSize];
        int got = StreamReading.ReadUpTo(stream, first.AsSpan(0, 4));
        var detected = NiftiHeaderCodec.DetectVersion(first.AsSpan(0, got))
            ?? throw new ScanRejectedException(ScanRejectionCode.UnknownFormat, "Not a NIfTI file: sizeof_hdr is neither 348 nor 540.");
        int size = detected.Version == 2 ? NiftiHeaderCodec.Nifti2HeaderSize : NiftiHeaderCodec.Nifti1HeaderSize;
        raw = new byte[size];
        first.AsSpan(0, 4).CopyTo(raw);
        StreamReading.ReadExactly(stream, raw.AsSpan(4), "NIfTI header");
        return NiftiHeaderCodec.Parse(raw);
    }

    private static (int Width, int Height, int Depth) Validate(NiftiHeader h, ScanReadLimits limits, NiftiReadOptions options)
    {
        if (!h.SingleFile)
        {
            throw new ScanRejectedException(ScanRejectionCode.NotAnImage, "A NIfTI header of a .hdr/.img pair: the voxels are in a separate .img file; upload a single .nii or .nii.gz.");
        }

        if (h.Dim[0] is < 1 or > 7)
        {
            throw new ScanRejectedException(ScanRejectionCode.Malformed, $"NIfTI dim[0] is {h.Dim[0]}; it must be between 1 and 7.");
        }

        // As nifti1_io: every dimension the header declares must hold at least one voxel; only entries beyond dim[0]
        // are free (ITK writes 0 there).
        for (int i = 1; i <= h.Dim[0]; i++)
        {
            if (h.Dim[i] < 1)
            {
                throw new ScanRejectedException(ScanRejectionCode.Malformed, $"NIfTI dim[{i}] is {h.Dim[i]}; each of the dim[0] = {h.Dim[0]} dimensions must be at least 1.");
            }
        }

        if (NiftiDataTypes.BytesPerVoxel(h.DataType) == 0)
        {
            throw new ScanRejectedException(ScanRejectionCode.UnsupportedPixelFormat, $"NIfTI datatype {(int)h.DataType} ({h.DataType}) is not decoded; supported: integer, float32/64 and RGB voxels.");
        }

        long width = h.EffectiveDim(1), height = h.EffectiveDim(2), depth = h.EffectiveDim(3);
        if (width > limits.MaxDimension || height > limits.MaxDimension)
        {
            throw new ScanRejectedException(ScanRejectionCode.LimitExceeded, $"NIfTI slice size {width}x{height} exceeds the limit of {limits.MaxDimension}.");
        }

        if (depth > limits.MaxSlices)
        {
            throw new ScanRejectedException(ScanRejectionCode.LimitExceeded, $"NIfTI volume has {depth} slices; the limit is {limits.MaxSlices}.");
        }

        if (width * height * depth > limits.MaxVoxels)
        {
            throw new ScanRejectedException(ScanRejectionCode.LimitExceeded, $"NIfTI volume has {width * height * depth} voxels; the limit is {limits.MaxVoxels}.");
        }

        long volumes = CountVolumes(h);
        if (options.VolumeIndex < 0 || options.VolumeIndex >= volumes)
        {
            throw new ScanRejectedException(ScanRejectionCode.Malformed, $"Volume {options.VolumeIndex} was requested; the file holds {volumes}.");
        }

        return ((int)width, (int)height, (int)depth);
    }

    private static long CountVolumes(NiftiHeader h)
    {
        try
        {
            return h.VolumeCount;
        }
        catch (OverflowException)
        {
            throw new ScanRejectedException(ScanRejectionCode.LimitExceeded, string.Create(CultureInfo.InvariantCulture,
                $"NIfTI dims 4 to 7 ({h.EffectiveDim(4)}, {h.EffectiveDim(5)}, {h.EffectiveDim(6)}, {h.EffectiveDim(7)}) multiply to more volumes than a 64-bit count holds."));
        }
    }

    private static Volume ReadVoxels(OpenedStream opened, NiftiHeader h, byte[] rawHeader, ScanReadLimits limits, NiftiReadOptions options)
    {
        var (width, height, depth) = Validate(h, limits, options);
        var notes = new List<string>();
        int bytesPerVoxel = NiftiDataTypes.BytesPerVoxel(h.DataType);
        long voxels = (long)width * height * depth;
        long volumeBytes = voxels * bytesPerVoxel;

        long voxOffset = h.VoxOffset;
        if (voxOffset < 0)
        {
            // Not a writer's shortcut but a corrupt field (the codec maps NaN, negative and huge NIfTI-1 values to -1):
            // guessing an offset would read the wrong bytes as voxels.
            throw new ScanRejectedException(ScanRejectionCode.Malformed, "NIfTI vox_offset is negative, not a number or too large: the voxel data cannot be located.");
        }

        if (voxOffset < h.HeaderSize + 4)
        {
            // Some writers leave vox_offset at 0, or at the header's size, in single files; the voxels then start right
            // after the 4-byte extension flag, which is never voxel data (nibabel fixes such offsets the same way).
            voxOffset = h.HeaderSize + 4;
            notes.Add(string.Create(CultureInfo.InvariantCulture, $"vox_offset {h.VoxOffset} is inside the header; read from byte {voxOffset}."));
        }

        long start = voxOffset + (options.VolumeIndex * volumeBytes);
        if (start + volumeBytes > limits.MaxDecompressedBytes)
        {
            throw new ScanRejectedException(ScanRejectionCode.LimitExceeded, $"Reading volume {options.VolumeIndex} needs {start + volumeBytes} bytes of data; the limit is {limits.MaxDecompressedBytes}.");
        }

        if (opened.Length is { } length && start + volumeBytes > length)
        {
            throw new ScanRejectedException(ScanRejectionCode.Truncated, string.Create(CultureInfo.InvariantCulture,
                $"The NIfTI header declares voxel data up to byte {start + volumeBytes}; the file has {length} bytes."));
        }

        var stream = opened.Stream;
        StreamReading.Skip(stream, start - h.HeaderSize, "voxel data");

        var (slope, intercept) = Scaling(h);
        var data = new float[opened.Length is null ? Math.Min(voxels, FirstBufferVoxels) : voxels];
        var buffer = new byte[ChunkVoxels * bytesPerVoxel];
        long nonFinite = 0;
        for (long done = 0; done < voxels;)
        {
            options.CancellationToken.ThrowIfCancellationRequested();
            int count = (int)Math.Min(ChunkVoxels, voxels - done);
            StreamReading.ReadExactly(stream, buffer.AsSpan(0, count * bytesPerVoxel), "NIfTI voxel data");
            if (done + count > data.Length)
            {
                // Doubling keeps the copies linear in the volume's size; the bytes read so far show the data is there.
                Array.Resize(ref data, (int)Math.Min(voxels, 2L * data.Length));
            }

            nonFinite += NiftiVoxelDecoder.Decode(buffer, data.AsSpan((int)done, count), h.DataType, h.BigEndian, slope, intercept);
            done += count;
        }

        if (nonFinite > 0 && (voxels - nonFinite) * 100 < voxels)
        {
            // Zeroing them would leave a near-empty image that scores 0 as if healthy.
            throw new ScanRejectedException(ScanRejectionCode.Malformed, string.Create(CultureInfo.InvariantCulture,
                $"{nonFinite} of the {voxels} NIfTI voxels are NaN or infinite: fewer than 1 in 100 holds a value."));
        }

        var (affine, source) = NiftiAffine.FromHeader(h);
        var (sx, sy, sz) = NiftiAffine.Spacing(h);
        notes.Add($"NIfTI-{h.Version} {(h.BigEndian ? "big" : "little")} endian, datatype {h.DataType}; orientation from {source}.");
        if (NiftiSpatialUnits.ConvertedUnitName(h.XyztUnits) is { } unit)
        {
            notes.Add($"spatial unit {unit} (xyzt_units): spacing and affine converted to mm.");
        }
        var repairs = new List<string>();
        if (h.VolumeCount > 1)
        {
            repairs.Add(string.Create(CultureInfo.InvariantCulture, $"{h.Dim[0]}-D input with {h.VolumeCount} volumes: volume {options.VolumeIndex} used."));
        }

        if ((slope != 1 || intercept != 0) && NiftiVoxelDecoder.IsScaled(h.DataType))
        {
            notes.Add(string.Create(CultureInfo.InvariantCulture, $"scl_slope {slope} and scl_inter {intercept} applied."));
        }

        if (nonFinite > 0)
        {
            repairs.Add(string.Create(CultureInfo.InvariantCulture, $"{nonFinite} non-finite voxels (NaN or infinity) set to 0."));
        }

        notes.AddRange(repairs);

        var provenance = new VolumeProvenance
        {
            Format = opened.Format,
            NiftiHeader = rawHeader,
            BitsStored = h.BitPix > 0 ? h.BitPix : bytesPerVoxel * 8,
            PhotometricInterpretation = h.DataType is NiftiDataType.Rgb24 or NiftiDataType.Rgba32 ? "RGB" : null,
            SpacingAssumed = NiftiAffine.SpacingAssumed(h),
            Notes = notes,
            ReportNotes = repairs,
        };
        return new Volume(data, width, height, depth, new VolumeGeometry(sx, sy, sz, affine), Modality.Unknown, provenance);
    }

    /// <summary>scl_slope of 0 or NaN means no scaling (NIfTI-1 standard); a NaN intercept then counts as 0.</summary>
    private static (double Slope, double Intercept) Scaling(NiftiHeader h)
    {
        if (h.SclSlope == 0 || !double.IsFinite(h.SclSlope))
        {
            return (1, 0);
        }

        return (h.SclSlope, double.IsFinite(h.SclInter) ? h.SclInter : 0);
    }

    private sealed class OpenedStream(Stream stream, ScanFormat format, long? length) : IDisposable
    {
        public Stream Stream { get; } = stream;

        public ScanFormat Format { get; } = format;

        /// <summary>The bytes of a plain file when known, so that its voxel data can be checked before it is allocated.</summary>
        public long? Length { get; } = length;

        public void Dispose() => Stream.Dispose();
    }
}
