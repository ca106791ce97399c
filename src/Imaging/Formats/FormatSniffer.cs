using Synomaly.Contracts;
using Synomaly.Imaging.Dicom;

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

    /// <summary>NIfTI-1 (sizeof_hdr 348, magic "n+1") or NIfTI-2 (540, "n+2"), in either byte order.</summary>
    private static bool IsNiftiHeader(ReadOnlySpan<byte> head)
    {
        if (head.Length < 4)
        {
            return false;
        }

        int little = BitConverter.ToInt32(head[..4]);
        int big = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(little);
        if ((little == 348 || big == 348) && head.Length >= 348)
        {
            return head.Slice(344, 3).SequenceEqual("n+1"u8) || head.Slice(344, 3).SequenceEqual("ni1"u8);
        }

        if ((little == 540 || big == 540) && head.Length >= 8)
        {
            return head.Slice(4, 3).SequenceEqual("n+2"u8) || head.Slice(4, 3).SequenceEqual("ni2"u8);
        }

        return false;
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
