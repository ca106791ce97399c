using System.Buffers.Binary;
using System.Globalization;

namespace Synomaly.Imaging.Dicom;

/// <summary>
/// Maps the fragments of encapsulated pixel data to frames, trying in order: one frame (all fragments joined); the
/// extended offset table; the basic offset table; one fragment per frame; for JPEG, a new frame at each fragment that
/// starts with an SOI marker. An offset table that does not fit the fragments is ignored (noted), not trusted.
/// </summary>
internal static class EncapsulatedFrames
{
    public static IReadOnlyList<ReadOnlyMemory<byte>> Split(
        EncapsulatedPixelData pixelData, DicomDataset dataset, int frames, PixelCompression compression, ICollection<string> notes)
    {
        var fragments = pixelData.Fragments;
        if (fragments.Count == 0)
        {
            throw DicomRejections.Malformed("encapsulated pixel data holds no fragments");
        }

        if (frames == 1)
        {
            return [Join(fragments, 0, fragments.Count)];
        }

        var starts = FromOffsets(ReadExtendedOffsets(dataset), fragments, frames)
            ?? FromOffsets(ReadBasicOffsets(pixelData.BasicOffsetTable.Span), fragments, frames);
        if (starts is null && pixelData.BasicOffsetTable.Length > 0)
        {
            notes.Add("the basic offset table does not fit the fragments and was ignored");
        }

        if (starts is null && fragments.Count == frames)
        {
            starts = Enumerable.Range(0, frames).ToArray();
        }

        if (starts is null && compression is PixelCompression.JpegBaseline or PixelCompression.JpegLossless or PixelCompression.JpegLs)
        {
            var soi = Enumerable.Range(0, fragments.Count).Where(i => fragments[i].Data.Span is [0xFF, 0xD8, ..]).ToArray();
            starts = soi.Length == frames && soi[0] == 0 ? soi : null;
        }

        if (starts is null)
        {
            throw fragments.Count < frames
                ? DicomRejections.Truncated(string.Create(CultureInfo.InvariantCulture, $"{frames} frames declared but only {fragments.Count} fragments present"))
                : DicomRejections.Malformed(string.Create(CultureInfo.InvariantCulture, $"{fragments.Count} fragments cannot be mapped to {frames} frames"));
        }

        var result = new ReadOnlyMemory<byte>[frames];
        for (int f = 0; f < frames; f++)
        {
            int end = f + 1 < frames ? starts[f + 1] : fragments.Count;
            result[f] = Join(fragments, starts[f], end);
        }

        return result;
    }

    private static long[]? ReadBasicOffsets(ReadOnlySpan<byte> table)
    {
        if (table.Length == 0 || table.Length % 4 != 0)
        {
            return null;
        }

        var offsets = new long[table.Length / 4];
        for (int i = 0; i < offsets.Length; i++)
        {
            offsets[i] = BinaryPrimitives.ReadUInt32LittleEndian(table[(4 * i)..]);
        }

        return offsets;
    }

    private static long[]? ReadExtendedOffsets(DicomDataset dataset)
    {
        var element = dataset.Get(DicomTag.ExtendedOffsetTable);
        var table = element is null ? [] : element.Value.Span;
        if (table.Length == 0 || table.Length % 8 != 0)
        {
            return null;
        }

        var offsets = new long[table.Length / 8];
        for (int i = 0; i < offsets.Length; i++)
        {
            offsets[i] = (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(table[(8 * i)..]), long.MaxValue);
        }

        return offsets;
    }

    /// <summary>Fragment index where each frame starts, if every offset lands exactly on a fragment, ascending.</summary>
    private static int[]? FromOffsets(long[]? offsets, IReadOnlyList<PixelFragment> fragments, int frames)
    {
        if (offsets is null || offsets.Length != frames)
        {
            return null;
        }

        var starts = new int[frames];
        int fragment = 0;
        for (int f = 0; f < frames; f++)
        {
            while (fragment < fragments.Count && fragments[fragment].Offset < offsets[f])
            {
                fragment++;
            }

            if (fragment >= fragments.Count || fragments[fragment].Offset != offsets[f] || (f > 0 && fragment <= starts[f - 1]))
            {
                return null;
            }

            starts[f] = fragment;
        }

        return starts;
    }

    private static ReadOnlyMemory<byte> Join(IReadOnlyList<PixelFragment> fragments, int start, int end)
    {
        if (end - start == 1)
        {
            return fragments[start].Data;
        }

        long total = 0;
        for (int i = start; i < end; i++)
        {
            total += fragments[i].Data.Length;
        }

        if (total > Array.MaxLength)
        {
            throw DicomRejections.Limit("one frame's fragments exceed the largest buffer");
        }

        var joined = new byte[total];
        int offset = 0;
        for (int i = start; i < end; i++)
        {
            fragments[i].Data.Span.CopyTo(joined.AsSpan(offset));
            offset += fragments[i].Data.Length;
        }

        return joined;
    }
}
