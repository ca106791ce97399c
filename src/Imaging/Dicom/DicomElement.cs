namespace Synomaly.Imaging.Dicom;

/// <summary>
/// One parsed data element. The value is a view over the file's bytes (never copied); sequences hold their items and
/// encapsulated pixel data its fragments. <see cref="Vr"/> is null where the encoding is implicit and the tag is not in
/// the reader's small dictionary.
/// </summary>
internal sealed class DicomElement(DicomTag tag, string? vr, ReadOnlyMemory<byte> value, bool bigEndian)
{
    public DicomTag Tag { get; } = tag;

    public string? Vr { get; } = vr;

    public ReadOnlyMemory<byte> Value { get; } = value;

    public bool BigEndian { get; } = bigEndian;

    /// <summary>Items of a sequence (SQ, or UN/unknown with undefined length).</summary>
    public IReadOnlyList<DicomDataset>? Items { get; init; }

    /// <summary>Encapsulated pixel data: the basic offset table (first item) and the fragments that follow it.</summary>
    public EncapsulatedPixelData? Encapsulated { get; init; }
}

/// <summary>Encapsulated pixel data: the basic offset table and the data fragments in file order.</summary>
internal sealed record EncapsulatedPixelData(ReadOnlyMemory<byte> BasicOffsetTable, IReadOnlyList<PixelFragment> Fragments);

/// <summary>A fragment and its offset relative to the first fragment's item tag (the reference of the offset tables).</summary>
internal readonly record struct PixelFragment(long Offset, ReadOnlyMemory<byte> Data);
