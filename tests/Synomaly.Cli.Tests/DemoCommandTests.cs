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
}
