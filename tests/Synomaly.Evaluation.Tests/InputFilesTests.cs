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

    private string At(string relative) => scratch.At(relative);

    private string Touch(string relative) => scratch.Touch(relative);

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

    [Fact]
    public void A_manifest_that_lists_a_file_twice_under_two_spellings_is_refused_by_the_option_and_both_lines()
    {
        // Before, both lines were kept: the file was trained on or evaluated twice, and the file meant was left out unseen.
        Touch("Doe_Jane/one.png");
        Touch("Doe_Jane/two.png");
        string manifest = At("Doe_Jane/scans.txt");
        File.WriteAllLines(manifest, ["# healthy volunteers", "one.png", "", "two.png", "./sub/../one.png"]);
        Directory.CreateDirectory(At("Doe_Jane/sub"));

        var refused = Assert.Throws<RepeatedManifestLineException>(() => InputFiles.Resolve(manifest, "--healthy"));

        Assert.Equal(("--healthy", 5, 2), (refused.Option, refused.Line, refused.FirstLine));
        Assert.Equal("Line 5 of the manifest given to --healthy lists the file that line 2 lists already: list each file once.", refused.Message);
    }

    [Theory]
    [InlineData("also-one.png")]
    [InlineData("linked/one.png")]
    public void A_manifest_that_lists_a_file_and_a_link_to_it_is_refused_by_both_lines(string link)
    {
        // Before, lines were compared as spelt: a link (to the file, or to its folder) and the file were two files, and
        // the slice was trained on or evaluated twice.
        Touch("Doe_Jane/one.png");
        File.CreateSymbolicLink(At("Doe_Jane/also-one.png"), At("Doe_Jane/one.png"));
        Directory.CreateSymbolicLink(At("Doe_Jane/linked"), ".");
        string manifest = At("Doe_Jane/scans.txt");
        File.WriteAllLines(manifest, ["one.png", "# the same slice again", link]);

        var refused = Assert.Throws<RepeatedManifestLineException>(() => InputFiles.Resolve(manifest, "--healthy"));

        Assert.Equal(("--healthy", 3, 1), (refused.Option, refused.Line, refused.FirstLine));
        Assert.Equal("Line 3 of the manifest given to --healthy lists the file that line 1 lists already: list each file once.", refused.Message);
    }

    [Fact]
    public void A_manifest_line_naming_a_listed_file_in_another_case_is_a_repeat_only_where_names_ignore_case()
    {
        // Two real files on Linux, standing for one of a file system that ignores case (Windows, macOS).
        Touch("data/Case1.png");
        Touch("data/case1.png");
        string manifest = At("data/scans.list");
        File.WriteAllLines(manifest, ["Case1.png", "case1.png"]);

        var refused = Assert.Throws<RepeatedManifestLineException>(() => InputManifest.Read(manifest, "<input>", StringComparer.OrdinalIgnoreCase));

        Assert.Equal((2, 1), (refused.Line, refused.FirstLine));
        Assert.Equal([At("data/Case1.png"), At("data/case1.png")], InputManifest.Read(manifest, "<input>", StringComparer.Ordinal));
    }
}
