using Synomaly.Testing;

namespace Synomaly.Infra.Tests;

/// <summary>
/// The worker image is built with the repository root as its context (azure.yaml's context ../.., docs/DEPLOY.md's
/// <c>az acr build ... .</c>). <c>az acr build</c> and the classic builder read only &lt;context&gt;/.dockerignore, BuildKit reads
/// src/GpuWorker/Dockerfile.dockerignore: both must keep gigabytes of build output, local state and the IXI scan copies
/// under .gpu/ (patient-derived data) out of the upload.
/// </summary>
public sealed class ContainerBuildContextTests
{
    private static string RootIgnoreFile => Path.Combine(TestPaths.RepositoryRoot, ".dockerignore");

    private static string DockerfileIgnoreFile => Path.Combine(TestPaths.RepositoryRoot, "src", "GpuWorker", "Dockerfile.dockerignore");

    [Theory]
    [InlineData("**/bin")]
    [InlineData("**/obj")]
    [InlineData("**/node_modules")]
    [InlineData(".git")]
    [InlineData("out")]
    [InlineData("results-local")]
    [InlineData(".azurite")]
    [InlineData(".gpu")]
    [InlineData("**/TestResults")]
    public void The_root_dockerignore_keeps_build_outputs_local_state_and_scan_data_out_of_the_context(string pattern)
    {
        Assert.True(File.Exists(RootIgnoreFile), "the repository root has no .dockerignore: az acr build would upload the whole checkout");
        Assert.Contains(pattern, Patterns(RootIgnoreFile));
    }

    [Fact]
    public void The_dockerfile_specific_ignore_file_excludes_exactly_what_the_root_one_does()
    {
        Assert.Equal(Patterns(RootIgnoreFile).Order(StringComparer.Ordinal), Patterns(DockerfileIgnoreFile).Order(StringComparer.Ordinal));
    }

    /// <summary>The patterns of an ignore file, cleaned as Docker cleans them (a trailing slash means nothing).</summary>
    private static HashSet<string> Patterns(string path) =>
        [.. File.ReadAllLines(path).Select(line => line.Trim()).Where(line => line.Length > 0 && !line.StartsWith('#')).Select(line => line.TrimEnd('/'))];
}
