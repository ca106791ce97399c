namespace Synomaly.Functions.Tests;

/// <summary>Small byte strings that the format sniffer recognises (or not); intake reads only the first bytes.</summary>
internal static class ScanBytes
{
    public static byte[] Dicom()
    {
        var bytes = new byte[600];
        "DICM"u8.CopyTo(bytes.AsSpan(128));
        return bytes;
    }

    public static byte[] Png() => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52];

    public static byte[] GzipNifti() => [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 4];

    public static byte[] Text() => "this is not a medical image at all, just some text"u8.ToArray();

    public static string NewScanId() => Guid.NewGuid().ToString("D");
}
