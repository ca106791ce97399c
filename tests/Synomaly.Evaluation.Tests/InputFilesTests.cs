using Synomaly.Testing;

namespace Synomaly.Evaluation.Tests;

/// <summary>
/// How <see cref="InputFiles"/> resolves what a user names as input, and how it refuses one it cannot use: by the option
/// it was given to, never by the path (file names can carry patient data). Tests run as root, whom no folder permission
/// stops, so a folder without read permission is stood for by a listing that fails as .NET's does (EACCES:
/// <see cref="UnauthorizedAccessException"/>, quoting the path).
/// </summary>
public sealed class InputFilesTests : IDisposable
{
    private readonly ScratchDirectory scratch = new("input-files");

    public void Dispose() => scratch.Dispose();

    private string At(string relative) => Path.Combine(scratch.Location, relative);

    private string Touch(string relative)
    {
        string path = At(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, []);
        return path;
    }

    private static IEnumerable<string> AccessDenied(string folder, string pattern, SearchOption search) =>
        throw new UnauthorizedAccessException($"Access to the path '{folder}' is denied.");

    [Theory]
    [InlineData("Doe_Jane")]
    [InlineData("Doe_Jane/*.png")]
    public void A_folder_that_cannot_be_listed_is_refused_by_the_option_with_the_failure_beneath(string input)
    {
        // Before, the UnauthorizedAccessException left as it was, and the command line could only say "cannot read the
        // input": of --healthy, --anomalous and --masks, which one, it could not tell without quoting the path.
        Touch("Doe_Jane/one.png");

        var refused = Assert.Throws<InputListingException>(() => InputFiles.Resolve(At(input), "--healthy", AccessDenied));

        Assert.Equal("--healthy", refused.Option);
        Assert.IsType<UnauthorizedAccessException>(refused.InnerException);
        Assert.DoesNotContain("Doe_Jane", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_mask_folder_that_cannot_be_listed_is_refused_as_masks()
    {
        string image = Touch("images/one.png");
        Touch("Doe_Jane/one.png");

        var refused = Assert.Throws<InputListingException>(() => TruthMaskFiles.Pair([image], At("Doe_Jane"), PathContainment.NameComparer, AccessDenied));

        Assert.Equal("--masks", refused.Option);
    }

    [Fact]
    public void An_input_that_names_nothing_stays_not_found_rather_than_unreadable()
    {
        var missing = Assert.Throws<InputNotFoundException>(() => InputFiles.Resolve(At("nowhere"), "--healthy", AccessDenied));

        Assert.Equal("--healthy", missing.Option);
    }
}
