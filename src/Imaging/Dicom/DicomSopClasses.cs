namespace Synomaly.Imaging.Dicom;

/// <summary>
/// Names of common SOP classes, and which of them are not images for this service. Some non-image objects carry
/// pixel data (SEG label maps, RT Dose grids) but what they hold is not anatomy: feeding them to an anomaly model would
/// give a meaningless result, so they are rejected as <see cref="ScanRejectionCode.NotAnImage"/> with the class named.
/// </summary>
internal static class DicomSopClasses
{
    private const string Prefix = "1.2.840.10008.5.1.4.1.1.";

    private static readonly Dictionary<string, string> Names = new(StringComparer.Ordinal)
    {
        [Prefix + "1"] = "Computed Radiography Image Storage",
        [Prefix + "1.1"] = "Digital X-Ray Image Storage - For Presentation",
        [Prefix + "1.2"] = "Digital Mammography X-Ray Image Storage - For Presentation",
        [Prefix + "2"] = "CT Image Storage",
        [Prefix + "2.1"] = "Enhanced CT Image Storage",
        [Prefix + "3.1"] = "Ultrasound Multi-frame Image Storage",
        [Prefix + "4"] = "MR Image Storage",
        [Prefix + "4.1"] = "Enhanced MR Image Storage",
        [Prefix + "6.1"] = "Ultrasound Image Storage",
        [Prefix + "7"] = "Secondary Capture Image Storage",
        [Prefix + "7.1"] = "Multi-frame Single Bit Secondary Capture Image Storage",
        [Prefix + "7.2"] = "Multi-frame Grayscale Byte Secondary Capture Image Storage",
        [Prefix + "7.3"] = "Multi-frame Grayscale Word Secondary Capture Image Storage",
        [Prefix + "7.4"] = "Multi-frame True Color Secondary Capture Image Storage",
        [Prefix + "12.1"] = "X-Ray Angiographic Image Storage",
        [Prefix + "12.2"] = "X-Ray Radiofluoroscopic Image Storage",
        [Prefix + "20"] = "Nuclear Medicine Image Storage",
        [Prefix + "128"] = "Positron Emission Tomography Image Storage",
        [Prefix + "481.1"] = "RT Image Storage",
        [Prefix + "481.2"] = "RT Dose Storage",
        [Prefix + "481.3"] = "RT Structure Set Storage",
        [Prefix + "481.4"] = "RT Beams Treatment Record Storage",
        [Prefix + "481.5"] = "RT Plan Storage",
        [Prefix + "481.8"] = "RT Ion Plan Storage",
        [Prefix + "66"] = "Raw Data Storage",
        [Prefix + "66.1"] = "Spatial Registration Storage",
        [Prefix + "66.2"] = "Spatial Fiducials Storage",
        [Prefix + "66.3"] = "Deformable Spatial Registration Storage",
        [Prefix + "66.4"] = "Segmentation Storage",
        [Prefix + "66.5"] = "Surface Segmentation Storage",
        [Prefix + "88.11"] = "Basic Text SR Storage",
        [Prefix + "88.22"] = "Enhanced SR Storage",
        [Prefix + "88.33"] = "Comprehensive SR Storage",
        [Prefix + "88.59"] = "Key Object Selection Document Storage",
        [Prefix + "9.1.1"] = "12-lead ECG Waveform Storage",
        [Prefix + "9.1.2"] = "General ECG Waveform Storage",
        [Prefix + "9.1.3"] = "Ambulatory ECG Waveform Storage",
        [Prefix + "11.1"] = "Grayscale Softcopy Presentation State Storage",
        [Prefix + "104.1"] = "Encapsulated PDF Storage",
        [Prefix + "77.1.6"] = "VL Whole Slide Microscopy Image Storage",
        ["1.2.840.10008.1.3.10"] = "Media Storage Directory Storage (DICOMDIR)",
    };

    /// <summary>Families of non-image objects, by UID prefix, with the reason given in the rejection.</summary>
    private static readonly (string Prefix, string Reason)[] NonImageFamilies =
    [
        (Prefix + "88.", "a structured report or key object document"),
        (Prefix + "9.", "a waveform (ECG, audio, haemodynamic)"),
        (Prefix + "11.", "a presentation state"),
        (Prefix + "66", "a segmentation, registration, fiducial or raw data object (labels, not anatomy)"),
        (Prefix + "481.2", "an RT Dose grid (a dose distribution, not anatomy)"),
        (Prefix + "481.3", "an RT Structure Set (contours, no image)"),
        (Prefix + "481.4", "an RT treatment record"),
        (Prefix + "481.5", "an RT Plan"),
        (Prefix + "481.6", "an RT treatment record"),
        (Prefix + "481.7", "an RT treatment summary record"),
        (Prefix + "481.8", "an RT Ion Plan"),
        (Prefix + "481.9", "an RT treatment record"),
        (Prefix + "104.", "an encapsulated document"),
        (Prefix + "68.", "a surface or mesh"),
        (Prefix + "67", "a real-world value mapping"),
        ("1.2.840.10008.1.3.10", "a media directory (DICOMDIR)"),
    ];

    public static string Name(string? uid) =>
        uid is null ? "no SOP class" : Names.TryGetValue(uid, out var name) ? name : "SOP class " + DicomRejections.ShownUid(uid);

    /// <summary>Why an object of this class is not an image for the service, or null if it may be one.</summary>
    public static string? NonImageReason(string? uid)
    {
        if (uid is null)
        {
            return null;
        }

        foreach (var (prefix, reason) in NonImageFamilies)
        {
            if (uid.StartsWith(prefix, StringComparison.Ordinal) && (uid.Length == prefix.Length || prefix.EndsWith('.') || uid[prefix.Length] == '.'))
            {
                return reason;
            }
        }

        return null;
    }
}
