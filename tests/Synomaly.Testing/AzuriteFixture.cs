using Synomaly.Storage.Local;

namespace Synomaly.Testing;

/// <summary>
/// A real Azurite for one test assembly, started through scripts/azurite.sh (<see cref="AzuriteScript"/>) on free loopback
/// ports with its own temporary data location, and stopped by PID when the assembly's tests end. Use as an xunit assembly
/// fixture.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private readonly string stateDirectory = Path.Combine(Path.GetTempPath(), "synomaly-azurite-" + Guid.NewGuid().ToString("N"));

    public string ConnectionString { get; private set; } = "";

    public IReadOnlyDictionary<string, string> ScriptEnvironment { get; private set; } = new Dictionary<string, string>();

    public async ValueTask InitializeAsync()
    {
        ScriptEnvironment = AzuriteScript.IsolatedEnvironment(stateDirectory);
        ConnectionString = await AzuriteScript.StartAsync(TestPaths.RepositoryRoot, ScriptEnvironment, CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        await AzuriteScript.StopAsync(TestPaths.RepositoryRoot, ScriptEnvironment, CancellationToken.None);
        try
        {
            Directory.Delete(stateDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: the folder only holds the PID file and the log.
        }
    }
}
