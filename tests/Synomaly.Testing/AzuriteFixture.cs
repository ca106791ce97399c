using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Synomaly.Testing;

/// <summary>
/// A real Azurite for one test assembly, started through scripts/azurite.sh on free loopback ports with its own temporary
/// data location, and stopped by PID when the assembly's tests end. Use as an xunit assembly fixture.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private readonly string stateDirectory = Path.Combine(Path.GetTempPath(), "synomaly-azurite-" + Guid.NewGuid().ToString("N"));

    public string ConnectionString { get; private set; } = "";

    public IReadOnlyDictionary<string, string> ScriptEnvironment { get; private set; } = new Dictionary<string, string>();

    public async ValueTask InitializeAsync()
    {
        ScriptEnvironment = new Dictionary<string, string>
        {
            ["AZURITE_DIR"] = stateDirectory,
            ["AZURITE_BLOB_PORT"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["AZURITE_QUEUE_PORT"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["AZURITE_TABLE_PORT"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        ConnectionString = (await RunScriptAsync("start")).Trim();
    }

    public async ValueTask DisposeAsync()
    {
        await RunScriptAsync("stop");
        try
        {
            Directory.Delete(stateDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: the folder only holds the PID file and the log.
        }
    }

    /// <summary>Stops and starts Azurite again on the same ports (data is lost: it uses a fresh temporary location).</summary>
    public async Task RestartAsync()
    {
        await RunScriptAsync("stop");
        ConnectionString = (await RunScriptAsync("start")).Trim();
    }

    private async Task<string> RunScriptAsync(string verb)
    {
        var info = new ProcessStartInfo("bash", [Path.Combine(TestPaths.RepositoryRoot, "scripts", "azurite.sh"), verb])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = TestPaths.RepositoryRoot,
        };
        foreach (var (key, value) in ScriptEnvironment)
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"scripts/azurite.sh {verb} failed: {await stderr}");
        }

        return await stdout;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
