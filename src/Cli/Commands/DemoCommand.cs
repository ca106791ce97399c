using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Synomaly.Cli.Local;
using Synomaly.Evaluation;

namespace Synomaly.Cli.Commands;

/// <summary>
/// `synomaly demo`: the whole pipeline on this machine. Starts Azurite, the local trigger host and the GPU worker, uploads
/// the sample scans into the scans container (as a portal's SAS upload does), waits for every job to end, prints a results
/// table and downloads heatmaps and reports. Every process it started is stopped by PID, unless --keep.
/// </summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var samples = new Option<string>("--samples") { Description = "Folder of scans to upload.", DefaultValueFactory = _ => "samples" };
        var model = new Option<string>("--model") { Description = "Model folder (model.safetensors + model-card.json).", DefaultValueFactory = _ => "models/brain-mri-demo" };
        var output = new Option<string>("--out") { Description = "Where heatmaps and reports are written: one folder per sample, replaced on every run.", DefaultValueFactory = _ => "out/demo" };
        var device = new Option<string>("--device") { Description = "Worker device: cpu, cuda, cuda:N or auto (CUDA when present).", DefaultValueFactory = _ => "auto" };
        var keep = new Option<bool>("--keep") { Description = "Leave Azurite, the trigger host and the worker running for manual tests." };
        var timeout = new Option<int>("--timeout-minutes") { Description = "Give up waiting after this long.", DefaultValueFactory = _ => 20 }.AtLeastOneMinute();
        var command = new Command("demo", "Run the local pipeline (Azurite, trigger host, GPU worker) on the sample scans.") { samples, model, output, device, keep, timeout };
        command.SetAction(async (parse, cancellationToken) =>
        {
            string root = RepositoryPaths.FindRoot();
            string Resolve(Option<string> option) => RepositoryPaths.Resolve(root, parse, option);
            string outDir = Resolve(output);
            string samplesFolder = Resolve(samples);
            if (!Directory.Exists(samplesFolder))
            {
                // Told by the option, as the other verbs tell a mistyped input, never by the path: .NET's own error quoted it.
                throw new UnreadableInputException(new InputNotFoundException($"The samples folder '{samplesFolder}' does not exist.") { Option = samples.Name });
            }

            var files = Directory.GetFiles(samplesFolder, "*", SearchOption.AllDirectories)
                .Where(DemoRun.IsScan).Order(StringComparer.Ordinal).ToList();
            if (files.Count == 0)
            {
                throw new LocalSetupException("No scans found in the samples folder.");
            }

            LocalPipeline? pipeline = null;
            try
            {
                await AnsiConsole.Status().StartAsync("Starting Azurite, the trigger host and the GPU worker ...", async _ =>
                {
                    pipeline = await LocalPipeline.StartAsync(
                        new LocalPipelineSettings { RepositoryRoot = root, ModelDirectory = Resolve(model), LogDirectory = Path.Combine(outDir, "logs"), Device = parse.GetValue(device)! },
                        cancellationToken);
                });
                var run = new DemoRun(pipeline!);
                var jobs = await run.UploadAsync(files, cancellationToken);
                await AnsiConsole.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                    .StartAsync(async context =>
                    {
                        var task = context.AddTask($"{jobs.Count} scans through the pipeline", maxValue: jobs.Count);
                        await run.WaitAsync(jobs, TimeSpan.FromMinutes(parse.GetValue(timeout)), done => task.Value = done, cancellationToken);
                    });
                await run.DownloadAsync(jobs, outDir, cancellationToken);
                var table = new Table().AddColumns("sample", "scan", "status", "slices", "top score", "time", "error");
                foreach (var job in jobs)
                {
                    table.AddRow(
                        Markup.Escape(Path.GetFileName(job.File)),
                        job.ScanId,
                        job.State == Contracts.JobState.Succeeded ? "[green]Succeeded[/]" : $"[red]{job.State}[/]",
                        job.Slices.ToString(CultureInfo.InvariantCulture),
                        job.TopScore.ToString("F0", CultureInfo.InvariantCulture),
                        job.Seconds.ToString("F1", CultureInfo.InvariantCulture) + " s",
                        Markup.Escape(job.Error is { Length: > 60 } e ? e[..60] + "..." : job.Error ?? ""));
                }

                AnsiConsole.Write(table);
                AnsiConsole.MarkupLine("Heatmaps, maps and reports: [blue]{0}[/]", Markup.Escape(outDir));
                var problems = DemoVerdict.Problems(jobs);
                foreach (var problem in problems)
                {
                    await Console.Error.WriteLineAsync("demo: " + problem);
                }

                return problems.Count == 0 ? 0 : 1;
            }
            finally
            {
                if (pipeline is not null && !parse.GetValue(keep))
                {
                    await pipeline.DisposeAsync();
                }
                else if (pipeline is not null)
                {
                    pipeline.Keep();
                    AnsiConsole.MarkupLine(CultureInfo.InvariantCulture, "Left running (--keep): Azurite, trigger host PID {0}, worker PID {1} (http://127.0.0.1:{2}/readyz). Stop with scripts/azurite.sh stop and kill.", pipeline.DevHost.Id, pipeline.Worker.Id, pipeline.WorkerPort);
                }
            }
        });
        return command;
    }
}
