using System.CommandLine;
using Spectre.Console;
using Synomaly.Cli.Local;

namespace Synomaly.Cli.Commands;

/// <summary>`synomaly up`: starts Azurite (if needed), creates the containers, queues and tables, and reports the local environment.</summary>
public static class UpCommand
{
    public static Command Create()
    {
        var keep = new Option<bool>("--keep") { Description = "Leave Azurite running after the command ends." };
        var command = new Command("up", "Start the local environment (Azurite with the containers, queues and tables) and report it ready.") { keep };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var environment = await LocalEnvironment.StartAsync(RepositoryPaths.FindRoot(), null, cancellationToken);
            try
            {
                var table = new Table().AddColumn("resource").AddColumn("endpoint / name");
                foreach (var (resource, value) in environment.Describe())
                {
                    table.AddRow(Markup.Escape(resource), Markup.Escape(value));
                }

                AnsiConsole.Write(table);
                AnsiConsole.MarkupLine("[green]Local environment ready.[/]");
                return 0;
            }
            finally
            {
                if (!parse.GetValue(keep))
                {
                    await environment.DisposeAsync();
                }
            }
        });
        return command;
    }
}
