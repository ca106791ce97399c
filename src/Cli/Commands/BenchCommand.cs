using System.CommandLine;
using Spectre.Console;
using Synomaly.Cli.Bench;
using Synomaly.Cli.Local;
using TorchSharp;

namespace Synomaly.Cli.Commands;

/// <summary>
/// `synomaly bench`: UNet forwards and end-to-end slices per second (single stage, 5-stage worst case, adaptive) for each
/// precision, attention kernel, memory layout and batch size, optionally with the parity check against float32; writes
/// bench.json and bench.md and prints the Markdown. The work is done by <see cref="BenchRunner"/>.
/// </summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var device = new Option<string?>("--device") { Description = "cpu, cuda, cuda:N or auto (default: cuda when available, else cpu)." };
        var config = new Option<string?>("--config") { Description = "full (published model, random weights), demo (models/brain-mri-demo or --model) or small (compact, for CPUs). Default: full on CUDA, small on a CPU." };
        var model = new Option<string?>("--model") { Description = "A model package folder for --config demo." };
        var batchSizes = new Option<string?>("--batch-sizes") { Description = "Comma list of batch sizes (default: 1,8,32,128 on CUDA, 1,8 on a CPU)." };
        var precision = new Option<string?>("--precision") { Description = "Comma list of fp32, bf16, fp16 (default fp32,bf16); ones the device cannot run are skipped and reported." };
        var attention = new Option<string?>("--attention") { Description = "Comma list of explicit, sdpa (default explicit, the engine's default)." };
        var memoryFormat = new Option<string?>("--memory-format") { Description = "Comma list of contiguous, channels-last (default contiguous)." };
        var warmup = new Option<int?>("--warmup") { Description = "Untimed calls before each measurement (default 1)." };
        var iterations = new Option<int?>("--iterations") { Description = "Timed calls per measurement (instead of --seconds)." };
        var seconds = new Option<double?>("--seconds") { Description = $"Least seconds per measurement (default {BenchOptions.DefaultSeconds})." };
        var output = new Option<string?>("--out") { Description = "Folder for bench.json and bench.md (default out/bench)." };
        var smoke = new Option<bool>("--smoke") { Description = "A tiny model, one call per measurement: checks that the bench runs (CI)." };
        var parity = new Option<bool>("--parity") { Description = "Also compare every variant with the float32 path: ε error and anomaly-mask agreement." };
        var parityOnly = new Option<bool>("--parity-only") { Description = "Only the parity check, no speed measurements." };
        var slices = new Option<string?>("--slices") { Description = "Real slices (folder, glob or manifest of scans) for the inputs and the parity check." };
        var seed = new Option<long?>("--seed") { Description = "Seed of the random weights, inputs and noise (default 1234)." };
        var threads = new Option<int?>("--threads") { Description = "libtorch CPU threads (default: one per core)." };
        var command = new Command("bench", "Measure UNet and end-to-end inference throughput (and parity with float32) on this machine.")
        {
            device, config, model, batchSizes, precision, attention, memoryFormat, warmup, iterations, seconds, output, smoke, parity, parityOnly, slices, seed, threads,
        };
        command.SetAction((parse, cancellationToken) => Task.FromResult(CommandCancellation.Run("bench", "no bench.json or bench.md was written.", () => Run(new BenchArguments
        {
            Device = parse.GetValue(device),
            Config = parse.GetValue(config),
            Model = parse.GetValue(model),
            BatchSizes = parse.GetValue(batchSizes),
            Precisions = parse.GetValue(precision),
            Attention = parse.GetValue(attention),
            MemoryFormats = parse.GetValue(memoryFormat),
            Warmup = parse.GetValue(warmup),
            Iterations = parse.GetValue(iterations),
            Seconds = parse.GetValue(seconds),
            Out = parse.GetValue(output),
            Smoke = parse.GetValue(smoke),
            Parity = parse.GetValue(parity),
            ParityOnly = parse.GetValue(parityOnly),
            Slices = parse.GetValue(slices),
            Seed = parse.GetValue(seed),
            Threads = parse.GetValue(threads),
        }, cancellationToken), cancellationToken)));
        return command;
    }

    /// <summary>
    /// Runs the bench. A bad option, found before the run or while it reads --slices, is a <see cref="BenchOptionException"/>
    /// that the command runner reports as a usage error (exit 2, on stderr); a cancelled run throws
    /// <see cref="OperationCanceledException"/> before writing bench.json or bench.md.
    /// </summary>
    public static int Run(BenchArguments arguments, CancellationToken cancellationToken = default)
    {
        var options = BenchOptions.Resolve(arguments, torch.cuda.is_available(), RepositoryPaths.FindRoot);
        BenchReport report = null!;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask("bench", maxValue: 1);
                report = new BenchRunner(options).Run(step =>
                {
                    task.MaxValue = Math.Max(1, step.Total);
                    task.Value = step.Done;
                    task.Description = Markup.Escape(step.Step);
                }, cancellationToken);
                task.Value = task.MaxValue;
            });

        string markdown = BenchReportWriter.Write(report, options.OutputDirectory);
        Console.WriteLine(markdown);
        AnsiConsole.MarkupLine($"Written {Markup.Escape(Path.Combine(options.OutputDirectory, BenchReportWriter.JsonFile))} and {Markup.Escape(BenchReportWriter.MarkdownFile)}.");
        return report.Rows.Any(r => r.Measured) || report.Parity.Any(p => p.Status == "ok") ? 0 : 1;
    }
}
