using System.CommandLine;
using System.Globalization;
using Synomaly.Cli.Detection;
using Synomaly.Imaging;
using Synomaly.Imaging.Reading;

namespace Synomaly.Cli.Commands;

/// <summary>
/// `synomaly inspect &lt;file or folder&gt;`: prints what the scan reader understood (format, transfer syntax, dimensions,
/// spacing, modality, value range) or the typed rejection. Exit codes: 0 readable, 2 rejected, 1 when the path cannot be
/// read at all, 130 cancelled. A folder of DICOM files is read as one series; other files in a folder are inspected one by one.
/// The description and rejections go to stdout; a path that does not exist or cannot be opened is an error, on stderr, as
/// every verb's errors are, so that a script keeping the description never takes an error line for one.
/// </summary>
public static class InspectCommand
{
    public const int Readable = 0;
    public const int Unreadable = 1;
    public const int Rejected = 2;

    public static Command Create()
    {
        var path = new Argument<string>("path") { Description = "A scan file (DICOM, NIfTI, PNG, JPEG, zip of DICOM) or a folder holding a DICOM series." };
        var command = new Command(
            "inspect",
            "Show what the scan reader understands of a file or folder, or why it rejects it. Exit codes: 0 readable, 1 the path does not exist or cannot be opened, 2 rejected (the reason is printed), 130 cancelled.") { path };
        command.SetAction((parse, cancellationToken) => Task.FromResult(CommandCancellation.Run(
            "inspect", "files not described above were not inspected.", () => Run(parse.GetValue(path)!, Console.Out, Console.Error, LocalScanReading.Options(), cancellationToken), cancellationToken)));
        return command;
    }

    /// <param name="cancellationToken">
    /// Checked before each file or series is read and while it is read (each file of a series, each frame, each chunk of
    /// NIfTI voxels, a running transcoder); a cancelled run throws <see cref="OperationCanceledException"/> without
    /// describing the scan it was reading.
    /// </param>
    /// <param name="errors">Where a path that does not exist or cannot be opened is told (stderr); a folder's unreadable file is told under its name in <paramref name="output"/>, beside the others.</param>
    public static int Run(string path, TextWriter output, TextWriter errors, ScanReadOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(errors);
        // The reader's own token, not only a check between files: one large series or volume is otherwise read to its end.
        options = (options ?? ScanReadOptions.Default) with { CancellationToken = cancellationToken };
        try
        {
            if (Directory.Exists(path))
            {
                return InspectFolder(path, output, options, cancellationToken);
            }

            if (!File.Exists(path))
            {
                errors.WriteLine("error: no such file or folder");
                return Unreadable;
            }

            return Report(() => ScanReader.DescribeFile(path, options), output, cancellationToken, errors);
        }
        catch (Exception e) when (UnreadableInputException.IsFileError(e))
        {
            errors.WriteLine($"error: {UnreadableInputException.Reason(e)}");
            return Unreadable;
        }
    }

    private static int InspectFolder(string folder, TextWriter output, ScanReadOptions? options, CancellationToken cancellationToken)
    {
        var (files, dicom, others) = SeriesFolder.Read(folder);
        if (files.Count == 0)
        {
            output.WriteLine("rejected: Empty: the folder holds no files");
            return Rejected;
        }

        int worst = Readable;
        if (dicom.Count > 0)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"DICOM series ({dicom.Count} files):"));
            worst = Math.Max(worst, Report(() => ScanDescription.Of(ScanReader.ReadSeries(dicom, options)), output, cancellationToken));
        }

        foreach (var file in others)
        {
            output.WriteLine($"{Path.GetRelativePath(folder, file)}:");
            worst = Math.Max(worst, Report(() => ScanReader.DescribeFile(file, options), output, cancellationToken));
        }

        return worst;
    }

    /// <param name="errors">For a single file: where it is told that it cannot be opened; null within a folder, where that is told under the file's name.</param>
    private static int Report(Func<ScanDescription> describe, TextWriter output, CancellationToken cancellationToken, TextWriter? errors = null)
    {
        // Before each file (or series) is read: a folder of many files stops at the next one.
        cancellationToken.ThrowIfCancellationRequested();
        ScanDescription d;
        try
        {
            d = describe();
        }
        catch (ScanRejectedException e)
        {
            output.WriteLine($"  rejected: {e.Code}: {e.Message}");
            return Rejected;
        }
        catch (Exception e) when (UnreadableInputException.IsFileError(e))
        {
            // In a folder, told under this file's name, as a rejection is, and the folder's other files are still inspected:
            // thrown on, one broken link or unreadable file ended the whole inspection. The reason never quotes the path.
            if (errors is not null)
            {
                errors.WriteLine($"error: {UnreadableInputException.Reason(e)}");
            }
            else
            {
                output.WriteLine($"  error: {UnreadableInputException.Reason(e)}");
            }

            return Unreadable;
        }

        var c = CultureInfo.InvariantCulture;
        output.WriteLine($"  format:          {d.Format}");
        if (d.TransferSyntaxUid is { } syntax)
        {
            output.WriteLine($"  transfer syntax: {syntax}");
        }

        output.WriteLine(string.Create(c, $"  dimensions:      {d.Width} x {d.Height} x {d.Depth}"));
        output.WriteLine(string.Create(c, $"  spacing (mm):    {d.SpacingX:0.###} x {d.SpacingY:0.###} x {d.SpacingZ:0.###}"));
        output.WriteLine($"  modality:        {d.Modality}");
        if (d.PhotometricInterpretation is { } photometric)
        {
            output.WriteLine($"  photometric:     {photometric}");
        }

        output.WriteLine(string.Create(c, $"  bits stored:     {d.BitsStored}"));
        output.WriteLine(string.Create(c, $"  value range:     {d.MinValue:0.###} .. {d.MaxValue:0.###}"));
        foreach (var note in d.Notes)
        {
            output.WriteLine($"  note:            {note}");
        }

        return Readable;
    }
}
