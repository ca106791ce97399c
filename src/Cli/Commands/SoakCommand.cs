using System.CommandLine;
using Spectre.Console;
using Synomaly.Cli.Local;
using Synomaly.Cli.Reliability;

namespace Synomaly.Cli.Commands;

/// <summary>
/// `synomaly soak`: the reliability suite on a local pipeline of its own. Exit code 0 only when nothing was lost or
/// duplicated and every job ended as it should; the figures go to the console, soak.json and soak.md.
/// </summary>
public static class SoakCommand
{
    public static Command Create()
    {
        var jobs = new Option<int>("--jobs") { Description = "Distinct good scans to push through the pipeline.", DefaultValueFactory = _ => 1000 };
        var kills = new Option<int?>("--worker-kills") { Description = "Worker kills at random points (default: one per 100 jobs, at least 2)." };
        var restarts = new Option<int>("--azurite-restarts") { Description = "Azurite restarts (data kept) at random points.", DefaultValueFactory = _ => 1 };
        var seed = new Option<int>("--seed") { Description = "Seed of the fault moments and the bad files' places.", DefaultValueFactory = _ => 20261124 };
        var model = new Option<string>("--model") { Description = "Model folder.", DefaultValueFactory = _ => "models/brain-mri-demo" };
        var device = new Option<string>("--device") { Description = "Worker device: cpu, cuda, cuda:N or auto.", DefaultValueFactory = _ => "cpu" };
        var output = new Option<string>("--out") { Description = "Folder for soak.json, soak.md, the logs and Azurite's data.", DefaultValueFactory = _ => "out/soak" };
        var timeout = new Option<int>("--timeout-minutes") { Description = "Stop waiting after this long; unfinished jobs count as lost.", DefaultValueFactory = _ => 120 }.AtLeastOneMinute();
        var noBad = new Option<bool>("--no-bad-inputs") { Description = "Leave out the bad-input corpus." };
        var command = new Command("soak", "Reliability suite: N jobs through the local pipeline with worker kills and an Azurite restart; counts lost and duplicated jobs.")
        {
            jobs, kills, restarts, seed, model, device, output, timeout, noBad,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            string root = RepositoryPaths.FindRoot();
            string Resolve(Option<string> option) => RepositoryPaths.Resolve(root, parse, option);
            string outDir = Resolve(output);
            if (parse.GetValue(jobs) < 1)
            {
                throw new UsageException("--jobs must be at least 1.");
            }

            var options = new SoakOptions
            {
                Jobs = parse.GetValue(jobs),
                WorkerKills = parse.GetValue(kills),
                StorageRestarts = parse.GetValue(restarts),
                BadInputs = !parse.GetValue(noBad),
                Seed = parse.GetValue(seed),
                RepositoryRoot = root,
                ModelDirectory = Resolve(model),
                WorkDirectory = outDir,
                BaseScan = Path.Combine(root, "samples", "brain-mri", "colin27-healthy.png"),
                Device = parse.GetValue(device)!,
                Timeout = TimeSpan.FromMinutes(parse.GetValue(timeout)),
            };
            SoakReport? report = null;
            await AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask("soak", maxValue: 1);
                    var progress = new Progress<SoakProgress>(p =>
                    {
                        task.MaxValue = Math.Max(1, p.Total);
                        task.Value = p.Finished;
                        task.Description = Markup.Escape($"{p.Phase}: {p.Finished}/{p.Total}, kills {p.WorkerKills}, Azurite restarts {p.StorageRestarts}");
                    });
                    report = await ReliabilitySuite.RunAsync(options, progress, cancellationToken);
                });

            await File.WriteAllTextAsync(Path.Combine(outDir, "soak.json"), SoakReportWriter.ToJson(report!), cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(outDir, "soak.md"), SoakReportWriter.ToMarkdown(report!), cancellationToken);
            var table = new Table().AddColumns("figure", "value");
            foreach (var (figure, value) in SoakReportWriter.Figures(report!))
            {
                table.AddRow(Markup.Escape(figure), Markup.Escape(value));
            }

            AnsiConsole.Write(table);
            foreach (var problem in report!.Problems)
            {
                AnsiConsole.MarkupLine("[red]{0}[/]", Markup.Escape(problem));
            }

            AnsiConsole.MarkupLine("Figures: [blue]{0}[/] and soak.md", Markup.Escape(Path.Combine(outDir, "soak.json")));
            return report.Passed ? 0 : 1;
        });
        return command;
    }
}
