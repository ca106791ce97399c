using System.Diagnostics;

namespace Synomaly.Cli.Local;

/// <summary>Runs scripts/azurite.sh, the one place that knows how to start and stop the pinned Azurite by PID.</summary>
public static class AzuriteScript
{
    public static async Task<string> StartAsync(string repositoryRoot, IReadOnlyDictionary<string, string>? environment, CancellationToken cancellationToken) =>
        (await RunAsync(repositoryRoot, "start", environment, cancellationToken)).Trim();

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
