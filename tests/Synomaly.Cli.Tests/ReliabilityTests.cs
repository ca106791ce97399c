using Synomaly.Cli.Reliability;
using Synomaly.Testing;

namespace Synomaly.Cli.Tests;

/// <summary>
/// The reduced reliability suite (issue 9) as CI runs it: the same <see cref="ReliabilitySuite"/> as `synomaly soak`, with
/// fewer jobs: the worker killed twice and Azurite restarted once at seeded random points, a duplicate upload and every
/// file of the bad-input corpus. Nothing may be lost or duplicated; each bad file must end Failed with its own reason.
/// </summary>
public sealed class ReliabilityTests
{
    [Fact]
    public async Task Worker_kills_and_an_Azurite_restart_lose_and_duplicate_nothing_and_bad_inputs_fail_with_their_reason()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        string work = Path.Combine(Path.GetTempPath(), "synomaly-soak-" + Guid.NewGuid().ToString("N"));
        var options = new SoakOptions
        {
            Jobs = 16,
            WorkerKills = 2,
            StorageRestarts = 1,
            RepositoryRoot = TestPaths.RepositoryRoot,
            ModelDirectory = TinyModelPackage.Save(Path.Combine(work, "model"), "soak-tiny"),
            WorkDirectory = work,
            BaseScan = Path.Combine(TestPaths.RepositoryRoot, "samples", "brain-mri", "colin27-healthy.png"),
            MaxBatchSize = 4,
            LockSeconds = 3,
            Timeout = TimeSpan.FromMinutes(10),
        };

        await PipelineLogTails.RunAsync(options.LogDirectory, async () =>
        {
            var report = await ReliabilitySuite.RunAsync(options, null, cancellationToken);

            TestContext.Current.SendDiagnosticMessage(SoakReportWriter.ToMarkdown(report));
            Assert.True(report.Passed, string.Join("; ", report.Problems));
            Assert.Equal(0, report.Lost);
            Assert.Equal(0, report.Duplicated);
            Assert.Equal(16, report.Succeeded);
            Assert.Equal(BadInputCorpus.Create().Count, report.FailedWithReason);
            Assert.Equal(2, report.WorkerKills); // every planned fault fires: the last uploads wait for them
            Assert.Equal(1, report.StorageRestarts);
            Assert.All(report.BadInputResults, o => Assert.False(string.IsNullOrWhiteSpace(o.Message)));
        });
    }
}
