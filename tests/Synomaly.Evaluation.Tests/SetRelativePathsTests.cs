namespace Synomaly.Evaluation.Tests;

/// <summary>
/// The names of a set's files below their common folder, by the rule of Linux (names compared exactly). Case ids, the set
/// manifests' file names and subject names are built from them, so the shipped manifests (docs/evaluation) and
/// ShippedReportingNumbersTests rely on each layout keeping the names it had when SetRelativePaths still asked
/// Path.GetRelativePath: pinned here layout by layout, with the paths made absolute and normalised first.
/// </summary>
public sealed class SetRelativePathsTests
{
    public static TheoryData<string[], string[]> Layouts => new()
    {
        // A flat folder (the shipped brain MRI sets): the file names.
        { ["/data/val/sub-01_T1w.png", "/data/val/sub-02_T1w.png"], ["sub-01_T1w.png", "sub-02_T1w.png"] },
        // One folder per patient repeating a file name: the names keep the patient's folder.
        { ["/data/val/p1/IM0001.dcm", "/data/val/p2/IM0001.dcm"], ["p1/IM0001.dcm", "p2/IM0001.dcm"] },
        // Files at different depths: named below the shallower one's folder.
        { ["/data/val/a.png", "/data/val/more/b.png"], ["a.png", "more/b.png"] },
        // Nothing shared but the root.
        { ["/x/a.png", "/y/b.png"], ["x/a.png", "y/b.png"] },
        // One file: its name.
        { ["/data/val/a.png"], ["a.png"] },
        // Spelt with . and .., and a doubled separator: named as their full paths are.
        { ["/data/./val//p1/a.png", "/data/other/../val/p2/a.png"], ["p1/a.png", "p2/a.png"] },
        // A file named like another file's folder.
        { ["/data/val/p1", "/data/val/p1/a.png"], ["p1", "p1/a.png"] },
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Each_layout_keeps_the_names_its_files_had_where_names_compare_exactly(string[] files, string[] expected)
    {
        var names = SetRelativePaths.Of(files, StringComparer.Ordinal);

        Assert.Equal(expected, files.Select(f => names[f]));
    }

    [Fact]
    public void A_file_given_twice_is_named_once_and_no_files_name_nothing()
    {
        Assert.Equal(["a.png"], SetRelativePaths.Of(["/data/a.png", "/data/a.png"], StringComparer.Ordinal).Values);
        Assert.Empty(SetRelativePaths.Of([], StringComparer.Ordinal));
    }
}
