using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Synomaly.Diffusion;
using Synomaly.Diffusion.Weights;

namespace Synomaly.Cli.Commands;

/// <summary>
/// `synomaly verify-reference &lt;dir&gt;`: imports the authors' checkpoint in a reference folder, runs the forward pass, the
/// one-stage reconstruction and (where the folder has them) the adaptive runs on its tensors, on the chosen device, and prints
/// the largest absolute errors; exits 1 when any check fails, 130 when cancelled.
/// </summary>
public static class VerifyReferenceCommand
{
    public static Command Create()
    {
        var directory = new Argument<DirectoryInfo>("dir") { Description = "A folder laid out like ../shared/fixtures/reference-unet (any common file prefix)." };
        var prefix = new Option<string?>("--prefix") { Description = "The file prefix to use when the folder holds several checkpoints (e.g. tiny_)." };
        var device = new Option<string>("--device") { Description = "cpu, cuda, cuda:N or auto.", DefaultValueFactory = _ => "auto" };
        var tolerance = new Option<double>("--tolerance") { Description = "Largest accepted absolute error.", DefaultValueFactory = _ => ReferenceVerification.DefaultTolerance };
        tolerance.Validators.Add(result =>
        {
            // Checked before any work: a NaN or negative tolerance fails every check after the whole run, with "errors above NaN".
            double value = result.GetValueOrDefault<double>();
            if (!(double.IsFinite(value) && value > 0))
            {
                result.AddError($"--tolerance must be a finite number above 0 (got {value.ToString(CultureInfo.InvariantCulture)}).");
            }
        });
        var command = new Command("verify-reference", "Prove that this build reproduces the authors' model on a reference folder.") { directory, prefix, device, tolerance };
        command.SetAction((parse, cancellationToken) => Task.FromResult(CommandCancellation.Run(
            "verify-reference", "nothing was verified.", () => Run(parse.GetValue(directory)!.FullName, parse.GetValue(prefix), parse.GetValue(device), parse.GetValue(tolerance), cancellationToken), cancellationToken)));
        return command;
    }

    public static int Run(string directory, string? prefix, string? device, double tolerance, CancellationToken cancellationToken = default)
    {
        var torchDevice = TorchDevice.Resolve(device);
        var results = ReferenceVerification.Run(directory, prefix, torchDevice, tolerance, cancellationToken);
        var table = new Table().AddColumn("check").AddColumn(new TableColumn("max |error|").RightAligned()).AddColumn("result").AddColumn("detail");
        foreach (var result in results)
        {
            table.AddRow(
                Markup.Escape(result.Name),
                result.MaxAbsError.ToString("0.000E+00", CultureInfo.InvariantCulture),
                result.Passed ? "[green]pass[/]" : "[red]FAIL[/]",
                Markup.Escape(result.Detail ?? ""));
        }

        AnsiConsole.Write(table);
        bool passed = results.All(r => r.Passed);
        AnsiConsole.MarkupLine(passed
            ? $"[green]Reference reproduced on {Markup.Escape(torchDevice.ToString())} within {tolerance.ToString("G", CultureInfo.InvariantCulture)}.[/]"
            : $"[red]Reference NOT reproduced on {Markup.Escape(torchDevice.ToString())}: errors above {tolerance.ToString("G", CultureInfo.InvariantCulture)}, or adaptive stage counts or maps that differ (see detail).[/]");
        return passed ? 0 : 1;
    }
}
