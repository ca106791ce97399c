using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Synomaly.Evaluation;

namespace Synomaly.Cli.Commands;

/// <summary>
/// `synomaly verify-set --manifest &lt;reporting-set.json | tuning-set.json&gt; --data &lt;folder&gt; [--lesion-map &lt;nii&gt;]`: rebuilds
/// the evaluation set a manifest describes from the files at hand (with the modality, and so the preset, it records) and
/// names every case, source or setting that differs; exits 1 when anything does, so a reported number can be checked to
/// come from the same cases, and 130 when cancelled (no verdict).
/// </summary>
public static class VerifySetCommand
{
    public static Command Create()
    {
        var manifest = new Option<string>("--manifest") { Description = "The set's manifest: reporting-set.json (evaluate) or tuning-set.json (tune).", Required = true };
        var data = new Option<string>("--data") { Description = "The validation folder given to tune and evaluate (the whole folder: the halves are split from it).", Required = true };
        var lesions = new Option<string?>("--lesion-map") { Description = "The lesion map the set was built with, when the manifest names one." };
        var command = new Command(
            "verify-set",
            "Rebuild an evaluation set from its manifest and report every case that differs. Exit codes: 0 rebuilt exactly, 1 anything differs (each difference is listed), 2 a usage error, 130 cancelled.") { manifest, data, lesions };
        command.SetAction((parse, cancellationToken) => Task.FromResult(CommandCancellation.Run(
            "verify-set", "nothing was verified.", () => Run(parse.GetValue(manifest)!, parse.GetValue(data)!, parse.GetValue(lesions), AnsiConsole.Console, cancellationToken), cancellationToken)));
        return command;
    }

    /// <summary>
    /// Verifies and reports on <paramref name="console"/>; 0 when the set was rebuilt exactly, 1 when anything differs. A
    /// cancelled <paramref name="cancellationToken"/> stops the rebuild within the file in progress, before any verdict.
    /// </summary>
    public static int Run(string manifestPath, string dataFolder, string? lesionMapPath, IAnsiConsole console, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(console);
        var recorded = EvaluationSetManifest.Read(manifestPath);
        // Told without the path, as train, tune and evaluate tell it: folder names can name patients.
        var files = UnreadableInputException.Guard(() => InputFiles.Resolve(dataFolder, "--data"));
        // A --lesion-map the manifest does not call for, or none where it does, is refused as a usage error. The split and
        // the rebuild read the files: one that cannot be read is told by its option, as at the listing.
        var verification = UnreadableInputException.Guard(() => UsageException.Guard(() => new EvaluationSetVerification(recorded, files, lesionMapPath, cancellationToken)));
        IReadOnlyList<SetDifference> differences = [];
        console.Progress().Start(progress =>
        {
            var task = progress.AddTask($"rebuilding the {recorded.Half} half", maxValue: Math.Max(1, verification.FileCount));
            differences = UnreadableInputException.Guard(() => verification.Run(new InlineProgress<int>(done => task.Value = done), cancellationToken));
            task.Value = task.MaxValue;
        });

        if (!verification.HasCaseHashes)
        {
            console.MarkupLine("[grey]This manifest predates the case hashes: cases were compared by id, source, truth area and lesion parameters, and every file by hash.[/]");
        }

        if (differences.Count == 0)
        {
            console.MarkupLine(CultureInfo.InvariantCulture, "[green]Rebuilt exactly:[/] {0} cases from {1} source files, as the manifest records them.", recorded.Cases.Count, recorded.Sources.Count);
            return 0;
        }

        var table = new Table().AddColumn("item").AddColumn("difference");
        foreach (var difference in differences)
        {
            table.AddRow(Markup.Escape(difference.Item), Markup.Escape(difference.Difference));
        }

        console.Write(table);
        console.MarkupLine(CultureInfo.InvariantCulture, "[red]{0} differences[/] from the manifest's {1} cases.", differences.Count, recorded.Cases.Count);
        if (recorded.Modality is null)
        {
            console.MarkupLine("[grey]The manifest records no modality, so each file's own preset rebuilt it (brain MRI unless the file states CT or ultrasound); a set that tune or evaluate built for a liver-ct model before manifests recorded the modality was prepared with the CT preset instead and differs here.[/]");
        }

        if (differences.Any(d => d.MissingOrExtra))
        {
            console.MarkupLine("[grey]Cases missing or extra: the halves are split from the whole folder, so --data must be the folder tune and evaluate were given, with no file added or removed.[/]");
        }

        return 1;
    }
}
