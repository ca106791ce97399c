using Synomaly.Storage.Local;
using Synomaly.Testing;

namespace Synomaly.Cli.Tests;

/// <summary>
/// An Azurite state folder of one test's own on freshly drawn free ports (<see cref="AzuriteScript.IsolatedEnvironment"/>),
/// so that tests running beside it never share an emulator. Nothing is started here: the test starts Azurite through the
/// code it tests. Disposing stops whatever Azurite that folder then has, by PID, and deletes the folder: a test that fails
/// half-way must not leave an emulator running on the machine.
/// </summary>
internal sealed class IsolatedAzurite : IAsyncDisposable
{
    private readonly ScratchDirectory scratch;

    /// <param name="prefix">Names the scratch folder under the temporary folder.</param>
    /// <param name="stateFolder">A subfolder of the scratch folder for Azurite's state, when the test keeps other files beside it; null: the scratch folder itself.</param>
    public IsolatedAzurite(string prefix, string? stateFolder = null)
    {
        scratch = new ScratchDirectory(prefix);
        State = stateFolder is null ? scratch.Location : Path.Combine(scratch.Location, stateFolder);
        Environment = AzuriteScript.IsolatedEnvironment(State);
    }

    /// <summary>The test's scratch folder (not created here), deleted when disposed.</summary>
    public string Work => scratch.Location;

    /// <summary>Azurite's state folder (AZURITE_DIR): its PID, ports, log and the run lock.</summary>
    public string State { get; }

    /// <summary>The variables for scripts/azurite.sh: this state folder and its ports.</summary>
    public Dictionary<string, string> Environment { get; }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await AzuriteScript.StopAsync(TestPaths.RepositoryRoot, Environment, CancellationToken.None);
        }
        finally
        {
            scratch.Dispose();
        }
    }
}
