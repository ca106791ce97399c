using Synomaly.Imaging.Dicom;
using Synomaly.Imaging.Reading;

namespace Synomaly.Imaging.Tests.Dicom;

/// <summary>
/// The transcoder on a machine whose temporary folder is unusable (a full or missing temp disk): a fault to retry, never a
/// rejection that tells the user a valid scan is corrupt. Runs alone (<see cref="ProcessEnvironmentCollection"/>), since it
/// points TMPDIR elsewhere for the whole process.
/// </summary>
[Collection(ProcessEnvironmentCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DicomTranscoderTemporaryFolderTests : IDisposable
{
    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("synomaly-transcoder-test-");

    public void Dispose() => folder.Delete(recursive: true);

    [Fact]
    public void An_unusable_temporary_folder_is_a_fault_of_the_machine_not_a_rejection_of_the_scan()
    {
        // A stand-in gdcmconv that would succeed: the run fails before it, making its private folder under TMPDIR, which
        // here is a file.
        string tool = Path.Combine(folder.FullName, "gdcmconv");
        File.WriteAllText(tool, "#!/bin/sh\nexit 0\n");
        File.SetUnixFileMode(tool, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var options = new ScanReadOptions { DicomTranscoder = DicomToolTranscoder.Detect(folder.FullName) };
        string notAFolder = Path.Combine(folder.FullName, "not-a-folder");
        File.WriteAllText(notAFolder, "");
        string? saved = Environment.GetEnvironmentVariable("TMPDIR");
        Environment.SetEnvironmentVariable("TMPDIR", notAFolder);
        try
        {
            // JPEG 2000, which only the transcoder decodes; read as the worker reads uploads.
            var fault = Assert.Throws<DicomTranscoderFaultException>(() =>
                ScanReader.ReadFile(Path.Combine(DicomTestFiles.TransferSyntaxes, "In", "9.dcm"), options));

            Assert.IsAssignableFrom<IOException>(fault.InnerException);
            Assert.DoesNotContain(notAFolder, fault.Message, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("TMPDIR", saved);
        }
    }
}
