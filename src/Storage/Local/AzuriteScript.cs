using System.Diagnostics;
using System.Globalization;

namespace Synomaly.Storage.Local;

/// <summary>Runs scripts/azurite.sh, the one place that knows how to start and stop the pinned Azurite by PID.</summary>
public static class AzuriteScript
{
    public static async Task<string> StartAsync(string repositoryRoot, IReadOnlyDictionary<string, string>? environment, CancellationToken cancellationToken) =>
        (await RunAsync(repositoryRoot, "start", environment, cancellationToken)).Trim();

    /// <summary>Stops Azurite by PID and starts it again on the same ports and data: a storage outage that loses nothing.</summary>
    public static async Task<string> RestartAsync(string repositoryRoot, IReadOnlyDictionary<string, string>? environment, CancellationToken cancellationToken) =>
        (await RunAsync(repositoryRoot, "restart", environment, cancellationToken)).Trim();

    /// <summary>The variables for an Azurite of its own: a private state folder and free ports.</summary>
    public static Dictionary<string, string> IsolatedEnvironment(string stateDirectory) => new()
    {
        ["AZURITE_DIR"] = stateDirectory,
        ["AZURITE_BLOB_PORT"] = LoopbackPort.Free().ToString(CultureInfo.InvariantCulture),
        ["AZURITE_QUEUE_PORT"] = LoopbackPort.Free().ToString(CultureInfo.InvariantCulture),
        ["AZURITE_TABLE_PORT"] = LoopbackPort.Free().ToString(CultureInfo.InvariantCulture),
    };

    public static Task StopAsync(string repositoryRoot, IReadOnlyDictionary<string, string>? environment, CancellationToken cancellationToken) =>
        RunAsync(repositoryRoot, "stop", environment, cancellationToken);

    private static async Task<string> RunAsync(string repositoryRoot, string verb, IReadOnlyDictionary<string, string>? environment, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("bash", [Path.Combine(repositoryRoot, "scripts", "azurite.sh"), verb])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = repositoryRoot,
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start bash to run scripts/azurite.sh.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"scripts/azurite.sh {verb} failed (exit {process.ExitCode}): {await stderr}");
        }

        return await stdout;
    }
}
