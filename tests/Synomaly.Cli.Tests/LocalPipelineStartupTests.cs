using System.Net.Sockets;
using Synomaly.Cli.Local;
using Synomaly.Storage.Local;
using Synomaly.Testing;

namespace Synomaly.Cli.Tests;

/// <summary>
/// A local pipeline whose start-up fails must stop what it had started: the caller gets no pipeline to dispose, and an
/// Azurite left behind holds its ports until someone finds and kills it.
/// </summary>
public sealed class LocalPipelineStartupTests
{
    [Fact]
    public async Task Hosts_that_die_during_start_up_are_named_with_their_log_and_leave_no_azurite_listening()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        string work = Path.Combine(Path.GetTempPath(), "synomaly-startup-Doe_Jane-" + Guid.NewGuid().ToString("N"));
        // Azurite starts, then both hosts exit at once, so start-up fails after every process was started.
        string root = FakeHostsRepository.Create(work);

        var azurite = AzuriteScript.IsolatedEnvironment(Path.Combine(work, "azurite"));
        try
        {
            var settings = new LocalPipelineSettings
            {
                RepositoryRoot = root,
                ModelDirectory = TinyModelPackage.Save(Path.Combine(work, "model"), "startup-tiny"),
                LogDirectory = Path.Combine(work, "logs"),
                Device = "cpu",
                AzuriteEnvironment = azurite,
            };

            var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => LocalPipeline.StartAsync(settings, cancellationToken));
            Assert.Contains("exited during start-up", failure.Message, StringComparison.Ordinal);
            // The trigger host is checked too, and first: a pipeline whose trigger host died would otherwise wait for a
            // worker that is ready but never gets a job.
            Assert.Contains("trigger host", failure.Message, StringComparison.Ordinal);
            // Named relative to --out, where demo and soak keep their logs: the full path can carry a patient name.
            Assert.Contains("see logs/devhost.log under --out", failure.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("Doe_Jane", failure.Message, StringComparison.Ordinal);
            foreach (var port in new[] { "AZURITE_BLOB_PORT", "AZURITE_QUEUE_PORT", "AZURITE_TABLE_PORT" })
            {
                using var client = new TcpClient();
                await Assert.ThrowsAsync<SocketException>(() => client.ConnectAsync("127.0.0.1", int.Parse(azurite[port], System.Globalization.CultureInfo.InvariantCulture), cancellationToken).AsTask());
            }
        }
        finally
        {
            // Without the fix the Azurite would outlive the test; stop it here so that a failure leaves nothing behind.
            await AzuriteScript.StopAsync(TestPaths.RepositoryRoot, azurite, CancellationToken.None);
            Directory.Delete(work, recursive: true);
        }
    }

    [Theory]
    [InlineData("ten")]
    [InlineData("-5")]
    [InlineData("0")]
    [InlineData("")]
    [InlineData("3601")]
    public async Task A_worker_deadline_override_that_is_no_number_of_seconds_is_refused_as_a_usage_error_before_anything_starts(string deadline)
    {
        // The kill deadline fell back to the CLI's own 10 s for such a value, while the worker refused to start with it:
        // found only after Azurite had been started. Past the worker's 3600 s as well, which the CLI let through. Hosts "built", so that nothing else stops the start before Azurite.
        var cancellationToken = TestContext.Current.CancellationToken;
        string work = Path.Combine(Path.GetTempPath(), "synomaly-deadline-" + Guid.NewGuid().ToString("N"));
        string root = FakeHostsRepository.Create(work);

        string state = Path.Combine(work, "azurite");
        var azurite = AzuriteScript.IsolatedEnvironment(state);
        try
        {
            var settings = new LocalPipelineSettings
            {
                RepositoryRoot = root,
                ModelDirectory = TinyModelPackage.Save(Path.Combine(work, "model"), "deadline-tiny"),
                LogDirectory = Path.Combine(work, "logs"),
                Device = "cpu",
                AzuriteEnvironment = azurite,
                WorkerOverrides = new Dictionary<string, string> { ["Worker__ShutdownDeadlineSeconds"] = deadline },
            };

            var refusal = await Assert.ThrowsAsync<UsageException>(() => LocalPipeline.StartAsync(settings, cancellationToken));

            Assert.Equal($"Worker__ShutdownDeadlineSeconds must be a whole number of seconds from 1 to 3600 (got '{deadline}'); nothing was started.", refusal.Message);
            Assert.False(Directory.Exists(state), "Azurite was started before the setting was refused");
        }
        finally
        {
            await AzuriteScript.StopAsync(TestPaths.RepositoryRoot, azurite, CancellationToken.None);
            Directory.Delete(work, recursive: true);
        }
    }
}
