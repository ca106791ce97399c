using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Synomaly.Cli.Local;
using Synomaly.Contracts;
using Synomaly.Storage.Local;
using Synomaly.Testing;

namespace Synomaly.Cli.Tests;

/// <summary>
/// The README's main command as scripts/demo.sh runs it: the built CLI's `demo` in a process of its own, with the shipped
/// model (models/brain-mri-demo) on samples/, on the CPU. Only Azurite's state folder and ports are its own, so that it
/// runs beside other tests and a developer's Azurite. Its scores are the README's: each slice's inference noise is seeded
/// from its own pixels, so every CPU run prints the same numbers.
/// </summary>
public sealed class DemoCommandEndToEndTests
{
    /// <summary>The top score the demo prints for each Colin27 sample (README.md, "What the demo prints").</summary>
    private static readonly Dictionary<string, string> ReadmeTopScores = new()
    {
        ["colin27-axial-slab"] = "584",
        ["colin27-healthy"] = "513",
        ["colin27-lesion-a"] = "522",
        ["colin27-lesion-b"] = "558",
    };

    [Fact]
    public async Task The_demo_exits_zero_with_the_readme_scores_and_only_the_bad_samples_failing_with_the_reasons_their_names_give()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var work = new ScratchDirectory("synomaly-demo-e2e");
        string output = Path.Combine(work.Location, "out");
        var azurite = AzuriteScript.IsolatedEnvironment(Path.Combine(work.Location, "azurite"));
        string cli = Path.Combine(TestPaths.RepositoryRoot, "src", "Cli", "bin", "Release", "net10.0", "Synomaly.Cli.dll");
        var info = new ProcessStartInfo("dotnet", [cli, "demo", "--out", output, "--device", "cpu"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = TestPaths.RepositoryRoot,
        };
        foreach (var (key, value) in azurite)
        {
            info.Environment[key] = value;
        }

        try
        {
            await PipelineLogTails.RunAsync(Path.Combine(output, "logs"), async () =>
            {
                var (code, printed) = await RunAsync(info, cancellationToken);
                // Exit 0 also means DemoVerdict saw every bad sample fail with the reason its name gives (ModalityMismatch
                // for the CT one, whose code the results table wraps across lines).
                Assert.True(code == 0, $"demo exited {code}:{Environment.NewLine}{printed}");

                var samples = Directory.GetFiles(Path.Combine(TestPaths.RepositoryRoot, "samples"), "*", SearchOption.AllDirectories).Where(DemoRun.IsScan).ToList();
                Assert.Contains(samples, s => Path.GetFileName(s) == "bad-truncated.dcm");
                Assert.Contains(samples, s => Path.GetFileName(s) == "bad-modality-mismatch.dcm");
                foreach (var sample in samples)
                {
                    string results = Path.Combine(output, SampleName(sample));
                    bool bad = Path.GetFileName(sample).StartsWith("bad-", StringComparison.Ordinal);
                    Assert.True(bad != File.Exists(Path.Combine(results, BlobLayout.ReportFile)), $"{Path.GetFileName(sample)}: a report only for samples that succeed");
                    Assert.True(bad != File.Exists(Path.Combine(results, BlobLayout.HeatmapFile)), $"{Path.GetFileName(sample)}: a heatmap only for samples that succeed");
                }

                Assert.Contains("Truncated", printed, StringComparison.Ordinal);
                var scores = ReadmeTopScores.Keys.ToDictionary(name => name, name => TopScore(Path.Combine(output, name, BlobLayout.ReportFile)));
                Assert.Equal(ReadmeTopScores, scores);
                Assert.All(scores.Values, score => Assert.Contains(score, printed, StringComparison.Ordinal));
            });
        }
        finally
        {
            // A demo killed by the timeout below leaves its Azurite (a process group of its own) running: stop it by PID.
            await AzuriteScript.StopAsync(TestPaths.RepositoryRoot, azurite, CancellationToken.None);
        }
    }

    /// <summary>The slices' highest score, rounded as the demo's results table prints it.</summary>
    private static string TopScore(string report)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        return json.RootElement.GetProperty("slices").EnumerateArray().Max(s => s.GetProperty("score").GetDouble()).ToString("F0", CultureInfo.InvariantCulture);
    }

    /// <summary>The results folder name the demo uses: the file name without its extension (.nii.gz counts as one).</summary>
    private static string SampleName(string file)
    {
        string name = Path.GetFileName(file);
        return name.EndsWith(".nii.gz", StringComparison.OrdinalIgnoreCase) ? name[..^7] : Path.GetFileNameWithoutExtension(name);
    }

    // A guard against a hang, not a speed target: about 2 minutes on an idle 2-core machine, far more beside a full suite.
    private static Task<(int ExitCode, string Output)> RunAsync(ProcessStartInfo info, CancellationToken cancellationToken) =>
        ChildProcess.RunAsync(info, TimeSpan.FromMinutes(30), cancellationToken);
}
