using Azure.Storage.Blobs;
using Synomaly.Cli.Local;
using Synomaly.Testing;

namespace Synomaly.Cli.Tests;

/// <summary>
/// Two `up` or `demo` runs on one Azurite state folder: the second used to find the first's Azurite, overwrite its record of
/// what it started (so a kill of the first left hosts nobody stopped) and, when the first ended, lose its storage. The
/// second run is refused instead, naming the state folder and the run that holds it.
/// </summary>
public sealed class ConcurrentLocalRunTests
{
    [Fact]
    public async Task A_second_run_on_the_state_folder_of_a_run_still_going_is_refused_naming_it_and_the_first_keeps_its_record()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var azurite = new IsolatedAzurite("synomaly-concurrent-run");
        await using var first = await LocalEnvironment.StartAsync(TestPaths.RepositoryRoot, azurite.Environment, cancellationToken);
        string record = await File.ReadAllTextAsync(Path.Combine(azurite.State, LocalRunRecord.FileName), cancellationToken);

        var refused = await Assert.ThrowsAsync<LocalRunInProgressException>(() => LocalEnvironment.StartAsync(TestPaths.RepositoryRoot, azurite.Environment, cancellationToken));

        // The folder by where it comes from, never by its path (AZURITE_DIR may name a folder named after a patient).
        Assert.Contains(LocalRunRecord.StateDirectoryShown, refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(azurite.State, refused.Message, StringComparison.Ordinal);
        Assert.Contains($"PID {Environment.ProcessId}", refused.Message, StringComparison.Ordinal);
        Assert.Equal(record, await File.ReadAllTextAsync(Path.Combine(azurite.State, LocalRunRecord.FileName), cancellationToken));
        var probe = new BlobServiceClient(first.ConnectionString).GetBlobContainerClient("probe");
        await probe.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
    }

    [Fact]
    public async Task Once_the_first_run_has_ended_the_next_run_on_its_state_folder_starts()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var azurite = new IsolatedAzurite("synomaly-sequential-run");
        await (await LocalEnvironment.StartAsync(TestPaths.RepositoryRoot, azurite.Environment, cancellationToken)).DisposeAsync();

        await using var second = await LocalEnvironment.StartAsync(TestPaths.RepositoryRoot, azurite.Environment, cancellationToken);

        Assert.True(second.StartedAzurite, "the second run did not start an Azurite of its own after the first stopped its");
    }
}
