using System.Globalization;

namespace Synomaly.Imaging.Dicom;

/// <summary>A data element tag (group, element), packed as group &lt;&lt; 16 | element so that it sorts in file order.</summary>
internal readonly record struct DicomTag(ushort Group, ushort Element)
{
    public uint Value => ((uint)Group << 16) | Element;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"({Group:X4},{Element:X4})");

    // File meta information.
    public static readonly DicomTag TransferSyntaxUid = new(0x0002, 0x0010);
    public static readonly DicomTag MediaStorageSopClassUid = new(0x0002, 0x0002);

    // Identification and series.
    public static readonly DicomTag SpecificCharacterSet = new(0x0008, 0x0005);
    public static readonly DicomTag ImageType = new(0x0008, 0x0008);
    public static readonly DicomTag SopClassUid = new(0x0008, 0x0016);
    public static readonly DicomTag Modality = new(0x0008, 0x0060);
    public static readonly DicomTag SeriesInstanceUid = new(0x0020, 0x000E);
    public static readonly DicomTag InstanceNumber = new(0x0020, 0x0013);

    // Geometry.
    public static readonly DicomTag SliceThickness = new(0x0018, 0x0050);
    public static readonly DicomTag SpacingBetweenSlices = new(0x0018, 0x0088);
    public static readonly DicomTag ImagerPixelSpacing = new(0x0018, 0x1164);
    public static readonly DicomTag ImagePositionPatient = new(0x0020, 0x0032);
    public static readonly DicomTag ImageOrientationPatient = new(0x0020, 0x0037);
    public static readonly DicomTag PixelSpacing = new(0x0028, 0x0030);
    public static readonly DicomTag SequenceOfUltrasoundRegions = new(0x0018, 0x6011);
    public static readonly DicomTag PhysicalUnitsXDirection = new(0x0018, 0x6024);
    public static readonly DicomTag PhysicalUnitsYDirection = new(0x0018, 0x6026);
    public static readonly DicomTag PhysicalDeltaX = new(0x0018, 0x602C);
    public static readonly DicomTag PhysicalDeltaY = new(0x0018, 0x602E);

    // Multi-frame timing.
    public static readonly DicomTag FrameTime = new(0x0018, 0x1063);
    public static readonly DicomTag FrameTimeVector = new(0x0018, 0x1065);

    // Enhanced multi-frame functional groups.
    public static readonly DicomTag SharedFunctionalGroupsSequence = new(0x5200, 0x9229);
    public static readonly DicomTag PerFrameFunctionalGroupsSequence = new(0x5200, 0x9230);
    public static readonly DicomTag PixelMeasuresSequence = new(0x0028, 0x9110);
    public static readonly DicomTag PlanePositionSequence = new(0x0020, 0x9113);
    public static readonly DicomTag PlaneOrientationSequence = new(0x0020, 0x9116);
    public static readonly DicomTag PixelValueTransformationSequence = new(0x0028, 0x9145);

    // Image pixel module.
    public static readonly DicomTag SamplesPerPixel = new(0x0028, 0x0002);
    public static readonly DicomTag PhotometricInterpretation = new(0x0028, 0x0004);
    public static readonly DicomTag PlanarConfiguration = new(0x0028, 0x0006);
    public static readonly DicomTag NumberOfFrames = new(0x0028, 0x0008);
    public static readonly DicomTag FrameIncrementPointer = new(0x0028, 0x0009);
    public static readonly DicomTag Rows = new(0x0028, 0x0010);
    public static readonly DicomTag Columns = new(0x0028, 0x0011);
    public static readonly DicomTag BitsAllocated = new(0x0028, 0x0100);
    public static readonly DicomTag BitsStored = new(0x0028, 0x0101);
    public static readonly DicomTag HighBit = new(0x0028, 0x0102);
    public static readonly DicomTag PixelRepresentation = new(0x0028, 0x0103);
    public static readonly DicomTag RescaleIntercept = new(0x0028, 0x1052);
    public static readonly DicomTag RescaleSlope = new(0x0028, 0x1053);
    public static readonly DicomTag RedPaletteLutDescriptor = new(0x0028, 0x1101);
    public static readonly DicomTag GreenPaletteLutDescriptor = new(0x0028, 0x1102);
    public static readonly DicomTag BluePaletteLutDescriptor = new(0x0028, 0x1103);
    public static readonly DicomTag RedPaletteLutData = new(0x0028, 0x1201);
    public static readonly DicomTag GreenPaletteLutData = new(0x0028, 0x1202);
    public static readonly DicomTag BluePaletteLutData = new(0x0028, 0x1203);
    public static readonly DicomTag SegmentedRedPaletteLutData = new(0x0028, 0x1221);

    // Pixel data.
    public static readonly DicomTag ExtendedOffsetTable = new(0x7FE0, 0x0001);
    public static readonly DicomTag FloatPixelData = new(0x7FE0, 0x0008);
    public static readonly DicomTag DoubleFloatPixelData = new(0x7FE0, 0x0009);
    public static readonly DicomTag PixelData = new(0x7FE0, 0x0010);

    // Sequence delimiters (group FFFE).
    public static readonly DicomTag Item = new(0xFFFE, 0xE000);
    public static readonly DicomTag ItemDelimitation = new(0xFFFE, 0xE00D);
    public static readonly DicomTag SequenceDelimitation = new(0xFFFE, 0xE0DD);
}
