using System.Text.RegularExpressions;
using Synomaly.Testing;

namespace Synomaly.Infra.Tests;

/// <summary>
/// The image `azd deploy gpuworker` builds (azure.yaml) must read the same DICOM as local runs, whose set-up installs gdcm and
/// dcmtk: without DICOM_TOOLS=true the Dockerfile leaves them out and the deployed worker rejects JPEG, JPEG-LS and JPEG
/// 2000 DICOM (UnsupportedTransferSyntax) that the demo accepted.
/// </summary>
public sealed partial class AzdWorkerImageTests
{
    [Fact]
    public void Azd_builds_the_worker_image_with_the_dicom_tools_that_local_runs_have()
    {
        string azureYaml = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "azure.yaml"));
        Assert.Matches(DicomToolsBuildArgument(), azureYaml);
    }

    /// <summary>The argument in the docker section's buildArgs list (azure.yaml schema: a list of NAME=value strings).</summary>
    [GeneratedRegex(@"(?m)^\s+buildArgs:\s*\n(\s+#.*\n)*\s+- ""?DICOM_TOOLS=true""?\s*$")]
    private static partial Regex DicomToolsBuildArgument();
}
