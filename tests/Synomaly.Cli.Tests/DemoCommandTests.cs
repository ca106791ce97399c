using Synomaly.Cli.Local;
using Synomaly.Testing;

namespace Synomaly.Cli.Tests;

/// <summary>What `demo` says about its inputs before it starts anything.</summary>
[Collection(ConsoleDisplayCollection.Name)]
public sealed class DemoCommandTests
{
    [Fact]
    public async Task A_samples_folder_that_does_not_exist_is_told_by_its_option_never_by_its_path()
    {
        // It was .NET's "Could not find a part of the path '...'", the folder's full path in the line pasted into tickets.
        using var scratch = new ScratchDirectory("synomaly-demo-samples");

        var (code, error) = await StandardError.Capture(["demo", "--samples", Path.Combine(scratch.Location, "sub-01_Miller_Max"), "--out", Path.Combine(scratch.Location, "out")]);

        Assert.Equal(1, code);
        Assert.StartsWith("error: no file, folder or pattern matches the input given to --samples (InputNotFoundException)", error.Trim(), StringComparison.Ordinal);
        Assert.DoesNotContain("Miller", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_relative_path_given_on_the_command_line_is_read_from_the_current_folder_as_other_verbs_read_it()
    {
        // A user who trained into ./run1 and ran `demo --model run1/model` from their data folder was told the model
        // folder had no model card: the path was read from the repository root, where only the defaults live.
        // Under the current folder, so that the relative path goes down only: one climbing to the file system's root
        // (../../../tmp/x) names the same folder from the repository root too wherever the checkout is as deep as the
        // current folder's climb, and the test could not tell the two readings apart.
        string parent = Path.Combine(Environment.CurrentDirectory, "synomaly-demo-relative-" + Guid.NewGuid().ToString("N"));
        try
        {
            string samples = Directory.CreateDirectory(Path.Combine(parent, "samples")).FullName;
            string relative = Path.GetRelativePath(Environment.CurrentDirectory, samples);
            Assert.NotEqual(samples, Path.GetFullPath(Path.Combine(RepositoryPaths.FindRoot(), relative)));

            var (code, error) = await StandardError.Capture(["demo", "--samples", relative, "--out", Path.Combine(parent, "out")]);

            // Found, and empty: refused before anything starts.
            Assert.Equal(1, code);
            Assert.Equal("error: No scans found in the samples folder.", error.Trim());
        }
        finally
        {
            Directory.Delete(parent, recursive: true);
        }
    }

    [Fact]
    public async Task A_model_that_cannot_be_loaded_is_a_usage_error_named_by_its_option_before_anything_starts()
    {
        // As detect, tune and evaluate tell it (exit 2, the option named); demo said only "No model-card.json in the model
        // folder." and exited 1, the code of a failed run.
        using var scratch = new ScratchDirectory("synomaly-demo-model");
        string samples = Directory.CreateDirectory(Path.Combine(scratch.Location, "samples")).FullName;
        File.Copy(ScanFiles.IxiSlice(2), Path.Combine(samples, "a.png"));
        string notAModel = Directory.CreateDirectory(Path.Combine(scratch.Location, "not-a-model")).FullName;

        var (code, error) = await StandardError.Capture(["demo", "--model", notAModel, "--samples", samples, "--out", Path.Combine(scratch.Location, "out")]);

        Assert.Equal(2, code);
        Assert.Equal("error: Cannot load the model given by --model: No model-card.json in the model folder.", error.Trim());
    }
}
