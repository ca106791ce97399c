using System.CommandLine;
using Spectre.Console;
using Synomaly.Cli.Local;

namespace Synomaly.Cli.Commands;

/// <summary>
/// `synomaly up`: starts Azurite (if needed), creates the containers, queues and tables, reports the local environment and
/// stays in the foreground until Ctrl+C, then stops what it started; `--keep` returns at once and leaves Azurite running.
/// Refused (<see cref="KeptHostsRunningException"/>, exit 1) while a `demo --keep`'s trigger host or worker still runs on
/// the same state folder.
/// </summary>
public static class UpCommand
{
    /// <summary>How often `up` looks whether Azurite still runs (a look runs scripts/azurite.sh status: milliseconds).</summary>
    private static readonly TimeSpan StorageLookInterval = TimeSpan.FromSeconds(2);

    public static Command Create() => Create(RepositoryPaths.FindRoot, azuriteEnvironment: null);

    /// <param name="repositoryRoot">Finds the repository whose scripts/azurite.sh runs Azurite.</param>
    /// <param name="azuriteEnvironment">Optional AZURITE_DIR and port variables for scripts/azurite.sh (tests run their own instance).</param>
    public static Command Create(Func<string> repositoryRoot, IReadOnlyDictionary<string, string>? azuriteEnvironment)
    {
        ArgumentNullException.ThrowIfNull(repositoryRoot);
        var keep = new Option<bool>("--keep") { Description = "Return at once and leave Azurite running (scripts/azurite.sh stop ends it)." };
        var command = new Command("up", "Start the local environment (Azurite with the containers, queues and tables) and keep it up until Ctrl+C.") { keep };
        command.SetAction(async (parse, cancellationToken) =>
        {
            bool kept = parse.GetValue(keep);
            // Refused beside hosts a `demo --keep` left on this state folder, as demo is: hosts the user starts on this
            // environment would share their queues and lose jobs to them, and an up that had to start Azurite again (the
            // kept one stopped) would wipe it from under them when it ends.
            var environment = await LocalEnvironment.StartAsync(repositoryRoot(), azuriteEnvironment, refuseBesideKeptHosts: true, cancellationToken);
            try
            {
                var table = new Table().AddColumn("resource").AddColumn("endpoint / name");
                foreach (var (resource, value) in environment.Describe())
                {
                    table.AddRow(Markup.Escape(resource), Markup.Escape(value));
                }

                AnsiConsole.Write(table);
                if (kept)
                {
                    environment.Keep();
                    AnsiConsole.MarkupLine("[green]Local environment ready.[/] Azurite keeps running (scripts/azurite.sh stop ends it).");
                    return 0;
                }

                AnsiConsole.MarkupLine("[green]Local environment ready.[/] Press Ctrl+C to stop.");
                // Ctrl+C is how an `up` in the foreground ends, not a failure; an Azurite that dies meanwhile ends it with
                // one line naming the emulator and its log (exit 1), and the finally below still cleans up.
                await environment.WatchStorageAsync("while up was running", StorageLookInterval, cancellationToken);
                AnsiConsole.MarkupLine("Stopping the local environment.");
                return 0;
            }
            finally
            {
                if (!kept)
                {
                    await environment.DisposeAsync();
                }
            }
        });
        return command;
    }

}
