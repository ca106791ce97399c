using System.Buffers.Binary;
using Synomaly.Contracts;
using Synomaly.Imaging.Dicom;
using Synomaly.Imaging.Nifti;

namespace Synomaly.Imaging.Formats;

/// <summary>
/// Recognises a scan's container format from its first bytes, without trusting its name or content type.
/// Needs at most <see cref="BytesNeeded"/> bytes (a DICOM Part 10 preamble is 128 bytes followed by "DICM").
/// </summary>
public static class FormatSniffer
{
    public const int BytesNeeded = 352;

    public static ScanFormat Sniff(ReadOnlySpan<byte> head)
    {
        if (head.Length >= 132 && head.Slice(128, 4).SequenceEqual("DICM"u8))
        {
            return ScanFormat.Dicom;
        }

        if (head.Length >= 8 && head[..8].SequenceEqual(stackalloc byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }))
        {
            return ScanFormat.Png;
        }

        if (head.Length >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF)
        {
            return ScanFormat.Jpeg;
        }

        if (head.Length >= 2 && head[0] == 0x1F && head[1] == 0x8B)
        {
            // A gzip stream; uploads use it for .nii.gz. The decoder confirms the NIfTI header inside.
            return ScanFormat.NiftiGzip;
        }

        if (head.Length >= 4 && head[..4].SequenceEqual("PK\u0003\u0004"u8))
        {
            return ScanFormat.Zip;
        }

        if (IsNiftiHeader(head))
        {
            return ScanFormat.Nifti;
        }

        if (LooksLikeDicomWithoutPreamble(head))
        {
            return ScanFormat.Dicom;
        }

        return ScanFormat.Unknown;
    }

    /// <summary>
    /// NIfTI-1 (sizeof_hdr 348, magic "n+1" or "ni1" at byte 344) or NIfTI-2 (540, "n+2" or "ni2" at byte 4), in either
    /// byte order. A file cut inside its header counts when sizeof_hdr and the fields that are present agree (the part of
    /// the magic there is; before a NIfTI-1 magic, dim[0] of 1 to 7), so that the reader reports it Truncated.
    /// </summary>
    private static bool IsNiftiHeader(ReadOnlySpan<byte> head)
    {
        var detected = NiftiHeaderCodec.DetectVersion(head);
        if (detected is not { } header)
        {
            return false;
        }

        if (header.Version == 2)
        {
            return PresentPartEquals(head, 4, "n+2"u8) || PresentPartEquals(head, 4, "ni2"u8);
        }

        if (head.Length > 344)
        {
            return PresentPartEquals(head, 344, "n+1"u8) || PresentPartEquals(head, 344, "ni1"u8);
        }

        if (head.Length < 42)
        {
            return true;
        }

        short dimensions = header.BigEndian ? BinaryPrimitives.ReadInt16BigEndian(head[40..]) : BinaryPrimitives.ReadInt16LittleEndian(head[40..]);
        return dimensions is >= 1 and <= 7;
    }

    /// <summary>Whether the bytes of <paramref name="expected"/> that <paramref name="head"/> holds at <paramref name="offset"/> match.</summary>
    private static bool PresentPartEquals(ReadOnlySpan<byte> head, int offset, ReadOnlySpan<byte> expected)
    {
        int present = Math.Clamp(head.Length - offset, 0, expected.Length);
        return head.Slice(offset, present).SequenceEqual(expected[..present]);
    }

    /// <summary>
    /// DICOM without the preamble, as the parser reads it: a bare "DICM" marker, a data set whose first element is
    /// plausible (a small even group in either byte order, with a known VR or a sane implicit length), or such an
    /// explicit VR data set after a few stray bytes. The element checks keep other binary files from sniffing as DICOM.
    /// </summary>
    private static bool LooksLikeDicomWithoutPreamble(ReadOnlySpan<byte> head) =>
        (head.Length >= 4 && head[..4].SequenceEqual("DICM"u8))
        || DicomDataSetStart.HasPlausibleFirstElement(head)
        || DicomDataSetStart.StrayBytesBeforeDataSet(head) is not null;
}
