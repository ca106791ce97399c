using Synomaly.Cli.Local;

namespace Synomaly.Cli.Tests;

/// <summary>
/// A start-up of `up` or `demo` that fails is cleaned up, and the cleanup asks whether Azurite still runs: when that
/// question or the cleanup itself failed, its error used to replace the start-up's (and the state folder stayed held). The
/// start-up's error is now the one reported, the cleanup's added on stderr. In the console collection: it captures stderr.
/// </summary>
[Collection(ConsoleDisplayCollection.Name)]
public sealed class FailedStartCleanupTests
{
    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_host_failing_at_start_up_stays_the_error_when_asking_whether_azurite_runs_fails_too()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var azurite = new IsolatedAzurite("synomaly-startup-status-fails-Doe_Jane", "azurite");
        string root = FakeHostsRepository.Create(azurite.Work);
        // The hosts' "dotnet" removes the repository (the folder every scripts/azurite.sh call starts in, so that the
        // start-up's status and stop can no longer run at all) and exits: a host that fails while it starts, while
        // Azurite itself goes on running. The second of a second gives both hosts time to start before the folder goes.
        string bin = Path.Combine(azurite.Work, "bin");
        Directory.CreateDirectory(bin);
        string dotnet = Path.Combine(bin, "dotnet");
        await File.WriteAllTextAsync(dotnet, $"#!/bin/bash\nsleep 1\nrm -rf '{root}'\nexit 1\n", cancellationToken);
        File.SetUnixFileMode(dotnet, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var path = new Dictionary<string, string> { ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH") };
        var settings = new LocalPipelineSettings
        {
            RepositoryRoot = root,
            ModelDirectory = TinyModelPackage.Save(Path.Combine(azurite.Work, "model"), "status-fails-tiny"),
            LogDirectory = Path.Combine(azurite.Work, "logs"),
            Device = "cpu",
            AzuriteEnvironment = azurite.Environment,
            TriggerHostOverrides = path,
            WorkerOverrides = path,
        };

        var originalError = Console.Error;
        using var error = new StringWriter();
        Console.SetError(TextWriter.Synchronized(error));
        InvalidOperationException failure;
        try
        {
            failure = await Assert.ThrowsAsync<InvalidOperationException>(() => LocalPipeline.StartAsync(settings, cancellationToken));
        }
        finally
        {
            Console.SetError(originalError);
        }

        Assert.Contains("exited during start-up", failure.Message, StringComparison.Ordinal);
        // What failed in the cleanup is added, on lines of its own.
        Assert.Contains("synomaly: could not ask whether Azurite still runs (scripts/azurite.sh status): ", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("synomaly: stopping what the failed start-up had started failed too: ", error.ToString(), StringComparison.Ordinal);
        // Told without a path: the work folder is named after a patient here, as a user's folders may be.
        Assert.DoesNotContain("Doe_Jane", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Doe_Jane", failure.Message, StringComparison.Ordinal);
        // The rest of the cleanup still ran: the next run may take the state folder, and finds the record of this one, so that
        // it stops the Azurite this cleanup could not.
        using var next = LocalRunLock.TryAcquire(azurite.State);
        Assert.NotNull(next);
        Assert.True(File.Exists(Path.Combine(azurite.State, LocalRunRecord.FileName)), "the record was deleted though its Azurite was not stopped");
    }

    [Fact]
    public async Task A_failed_cleanup_s_file_error_is_told_by_its_kind_never_the_path_net_quotes()
    {
        var originalError = Console.Error;
        using var error = new StringWriter();
        Console.SetError(error);
        try
        {
            await FailedStartCleanup.RunAsync(() => throw new UnauthorizedAccessException("Access to the path '/data/Doe_Jane/.azurite/azurite.log' is denied."));
        }
        finally
        {
            Console.SetError(originalError);
        }

        Assert.Equal(
            "synomaly: stopping what the failed start-up had started failed too: cannot read or write a file: access denied (UnauthorizedAccessException); SYNOMALY_DEBUG=1 shows the full error",
            error.ToString().Trim());
    }
}
