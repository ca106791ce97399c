using System.Globalization;

namespace Synomaly.Imaging.Dicom;

/// <summary>
/// The image pixel module of a data set, validated and checked against the read limits before anything is allocated.
/// Lenient defaults: a missing or impossible BitsStored becomes BitsAllocated, HighBit follows BitsStored, a missing or
/// zero rescale slope is 1, a missing frame count is 1. <see cref="Rescales"/> holds one rescale per frame as stored (a
/// Siemens mosaic is one stored frame, cut into slices only after conversion).
/// </summary>
internal sealed record PixelDescription(
    int Rows,
    int Columns,
    int Frames,
    int SamplesPerPixel,
    int BitsAllocated,
    int BitsStored,
    int HighBit,
    bool Signed,
    string Photometric,
    bool Planar,
    IReadOnlyList<PixelRescale> Rescales,
    IReadOnlyList<string> Notes)
{
    public int PixelsPerFrame => Rows * Columns;

    public int BytesPerSample => BitsAllocated / 8;

    public bool IsMonochrome => Photometric is "MONOCHROME1" or "MONOCHROME2";

    /// <summary>
    /// Whether the samples are packed 4:2:2, two luma and one pair of chroma per two pixels: YBR_FULL_422, and the retired
    /// YBR_PARTIAL_422 that older uncompressed files still carry.
    /// </summary>
    public bool IsPacked422 => Photometric is "YBR_FULL_422" or "YBR_PARTIAL_422" && SamplesPerPixel == 3;

    /// <summary>Bytes of one uncompressed frame (4:2:2 packing: <see cref="IsPacked422"/>).</summary>
    public long NativeFrameBytes => IsPacked422
        ? (long)Rows * (Columns + (Columns % 2)) * 2 * BytesPerSample
        : (long)PixelsPerFrame * SamplesPerPixel * BytesPerSample;

    public static PixelDescription FromDataset(DicomDataset ds, ScanReadLimits limits)
    {
        var notes = new List<string>();
        int rows = ds.GetUInt16(DicomTag.Rows) ?? throw DicomRejections.Malformed("pixel data without Rows (0028,0010)");
        int columns = ds.GetUInt16(DicomTag.Columns) ?? throw DicomRejections.Malformed("pixel data without Columns (0028,0011)");
        if (rows <= 0 || columns <= 0)
        {
            throw DicomRejections.Malformed(Invariant($"image size {columns}x{rows}"));
        }

        if (rows > limits.MaxDimension || columns > limits.MaxDimension)
        {
            throw DicomRejections.Limit(Invariant($"image size {columns}x{rows} exceeds {limits.MaxDimension} pixels per side"));
        }

        int frames = ds.GetIntegerString(DicomTag.NumberOfFrames) ?? 1;
        if (frames <= 0)
        {
            notes.Add("NumberOfFrames below 1 read as 1");
            frames = 1;
        }

        if (frames > limits.MaxSlices)
        {
            throw DicomRejections.Limit(Invariant($"{frames} frames exceed the limit of {limits.MaxSlices}"));
        }

        long voxels = (long)rows * columns * frames;
        if (voxels > limits.MaxVoxels || voxels > Array.MaxLength)
        {
            throw DicomRejections.Limit(Invariant($"{voxels} voxels exceed the limit of {limits.MaxVoxels}"));
        }

        int samples = ds.GetUInt16(DicomTag.SamplesPerPixel) ?? 1;
        if (samples is not (1 or 3))
        {
            throw DicomRejections.PixelFormat(Invariant($"{samples} samples per pixel (1 or 3 are decoded)"));
        }

        int bitsAllocated = ds.GetUInt16(DicomTag.BitsAllocated) ?? throw DicomRejections.Malformed("pixel data without BitsAllocated (0028,0100)");
        if (bitsAllocated is not (8 or 16 or 32))
        {
            throw DicomRejections.PixelFormat(Invariant($"{bitsAllocated} bits allocated (8, 16 or 32 are decoded)"));
        }

        // Decoded sample bytes (before the float conversion) and the float volume itself both count as decompressed data.
        long decodedBytes = voxels * samples * (bitsAllocated / 8);
        if (decodedBytes > limits.MaxDecompressedBytes || voxels * sizeof(float) > limits.MaxDecompressedBytes)
        {
            throw DicomRejections.Limit(Invariant($"{decodedBytes} decoded bytes exceed the limit of {limits.MaxDecompressedBytes}"));
        }

        int bitsStored = ds.GetUInt16(DicomTag.BitsStored) ?? bitsAllocated;
        if (bitsStored <= 0 || bitsStored > bitsAllocated)
        {
            notes.Add(Invariant($"BitsStored {bitsStored} read as {bitsAllocated}"));
            bitsStored = bitsAllocated;
        }

        int highBit = ds.GetUInt16(DicomTag.HighBit) ?? bitsStored - 1;
        if (highBit < bitsStored - 1 || highBit >= bitsAllocated)
        {
            notes.Add(Invariant($"HighBit {highBit} read as {bitsStored - 1}"));
            highBit = bitsStored - 1;
        }

        bool signed = (ds.GetUInt16(DicomTag.PixelRepresentation) ?? 0) == 1;
        string photometric = (ds.GetString(DicomTag.PhotometricInterpretation) ?? (samples == 3 ? "RGB" : "MONOCHROME2")).ToUpperInvariant();
        bool planar = samples == 3 && (ds.GetUInt16(DicomTag.PlanarConfiguration) ?? 0) == 1;

        var rescales = PixelRescale.ReadFrames(ds, frames, notes);
        return new PixelDescription(rows, columns, frames, samples, bitsAllocated, bitsStored, highBit, signed, photometric, planar, rescales, notes);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
