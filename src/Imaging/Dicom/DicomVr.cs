namespace Synomaly.Imaging.Dicom;

/// <summary>Value representations: which exist, and which use the 4-byte length form in explicit VR encodings.</summary>
internal static class DicomVr
{
    private static readonly HashSet<string> Known =
    [
        "AE", "AS", "AT", "CS", "DA", "DS", "DT", "FL", "FD", "IS", "LO", "LT", "OB", "OD", "OF", "OL", "OV", "OW", "PN", "SH",
        "SL", "SQ", "SS", "ST", "SV", "TM", "UC", "UI", "UL", "UN", "UR", "US", "UT", "UV",
    ];

    private static readonly HashSet<string> LongLength = ["OB", "OD", "OF", "OL", "OV", "OW", "SQ", "UC", "UN", "UR", "UT", "SV", "UV"];

    /// <summary>
    /// Sequences that matter to the reader, recognised by tag where the encoding is implicit (no VR on the wire).
    /// Any other defined-length element is kept as opaque bytes, which is all the reader needs.
    /// </summary>
    private static readonly HashSet<uint> ImplicitSequences =
    [
        DicomTag.SharedFunctionalGroupsSequence.Value,
        DicomTag.PerFrameFunctionalGroupsSequence.Value,
        DicomTag.PixelMeasuresSequence.Value,
        DicomTag.PlanePositionSequence.Value,
        DicomTag.PlaneOrientationSequence.Value,
        DicomTag.PixelValueTransformationSequence.Value,
        DicomTag.SequenceOfUltrasoundRegions.Value,
    ];

    public static bool IsKnown(string vr) => Known.Contains(vr);

    public static bool HasLongLength(string vr) => LongLength.Contains(vr);

    public static bool IsImplicitSequence(DicomTag tag) => ImplicitSequences.Contains(tag.Value);

    /// <summary>Two upper-case letters: what an explicit VR looks like on the wire.</summary>
    public static bool LooksLikeVr(byte first, byte second) => first is >= (byte)'A' and <= (byte)'Z' && second is >= (byte)'A' and <= (byte)'Z';
}
