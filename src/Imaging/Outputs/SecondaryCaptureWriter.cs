using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Synomaly.Imaging.Dicom;

namespace Synomaly.Imaging.Outputs;

/// <summary>
/// Writes an overlay as a DICOM Secondary Capture image (Part 10, Explicit VR Little Endian, 8-bit RGB), so PACS viewers
/// can show results beside the study. It carries no patient data: patient and study attributes of type 2 are present
/// and empty (the portal links the object to its study), modality is "OT", conversion type "WSD". UIDs are derived from
/// the opaque scan id and the instance number (2.25 + a hash), so writing again gives the same object.
/// </summary>
public static class SecondaryCaptureWriter
{
    public const string SopClassUid = "1.2.840.10008.5.1.4.1.1.7";
    public const string ExplicitVrLittleEndian = "1.2.840.10008.1.2.1";
    private const string ImplementationClassUid = "2.25.94230412877391204726317245893251173412";

    public static byte[] Write(Image<Rgb24> overlay, string scanId, int instanceNumber, string description = "Synomaly anomaly overlay")
    {
        ArgumentNullException.ThrowIfNull(overlay);
        ArgumentException.ThrowIfNullOrEmpty(scanId);
        string study = DerivedUid(scanId, "study"), series = DerivedUid(scanId, "series"), instance = DerivedUid(scanId, $"instance-{instanceNumber}");

        var meta = new DicomElementWriter();
        meta.Bytes(0x0002, 0x0001, "OB", [0, 1]);
        meta.Text(0x0002, 0x0002, "UI", SopClassUid);
        meta.Text(0x0002, 0x0003, "UI", instance);
        meta.Text(0x0002, 0x0010, "UI", ExplicitVrLittleEndian);
        meta.Text(0x0002, 0x0012, "UI", ImplementationClassUid);
        meta.Text(0x0002, 0x0013, "SH", "SYNOMALY");

        var data = new DicomElementWriter();
        data.Text(0x0008, 0x0016, "UI", SopClassUid);
        data.Text(0x0008, 0x0018, "UI", instance);
        data.Text(0x0008, 0x0020, "DA", string.Empty);
        data.Text(0x0008, 0x0030, "TM", string.Empty);
        data.Text(0x0008, 0x0050, "SH", string.Empty);
        data.Text(0x0008, 0x0060, "CS", "OT");
        data.Text(0x0008, 0x0064, "CS", "WSD");
        data.Text(0x0008, 0x0090, "PN", string.Empty);
        data.Text(0x0008, 0x103E, "LO", description);
        data.Text(0x0010, 0x0010, "PN", string.Empty);
        data.Text(0x0010, 0x0020, "LO", string.Empty);
        data.Text(0x0010, 0x0030, "DA", string.Empty);
        data.Text(0x0010, 0x0040, "CS", string.Empty);
        data.Text(0x0020, 0x000D, "UI", study);
        data.Text(0x0020, 0x000E, "UI", series);
        data.Text(0x0020, 0x0010, "SH", string.Empty);
        data.Text(0x0020, 0x0011, "IS", "900");
        data.Text(0x0020, 0x0013, "IS", instanceNumber.ToString(System.Globalization.CultureInfo.InvariantCulture));
        data.Text(0x0020, 0x0020, "CS", string.Empty);
        data.UShort(0x0028, 0x0002, 3);
        data.Text(0x0028, 0x0004, "CS", "RGB");
        data.UShort(0x0028, 0x0006, 0);
        data.UShort(0x0028, 0x0010, checked((ushort)overlay.Height));
        data.UShort(0x0028, 0x0011, checked((ushort)overlay.Width));
        data.UShort(0x0028, 0x0100, 8);
        data.UShort(0x0028, 0x0101, 8);
        data.UShort(0x0028, 0x0102, 7);
        data.UShort(0x0028, 0x0103, 0);
        var pixels = new byte[overlay.Width * overlay.Height * 3];
        overlay.CopyPixelDataTo(pixels);
        data.Bytes(0x7FE0, 0x0010, "OB", pixels);

        return DicomElementWriter.Part10(meta, data);
    }

    /// <summary>A UID under the 2.25 root (UUID-derived, PS3.5 B.2) from a hash of the scan id and a purpose.</summary>
    private static string DerivedUid(string scanId, string purpose)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"synomaly/{scanId}/{purpose}"));
        var value = new BigInteger(hash.AsSpan(0, 16), isUnsigned: true, isBigEndian: true);
        return "2.25." + value.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
