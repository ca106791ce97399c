using Synomaly.Contracts;
using Synomaly.Imaging.Presets;
using Synomaly.Testing;

namespace Synomaly.Evaluation.Tests;

/// <summary>
/// Pairing masks by a manifest or by name stem in a folder, the overlap checks between given sets and the search for
/// evaluation files among other files (<see cref="SameFiles"/>) compare paths and names by the rule of
/// <see cref="PathContainment.NameComparison"/>: on Windows and macOS, whose file systems ignore case, Case1.png and
/// case1.png are one file. These tests run on Linux, so the case-insensitive side is asked for through the comparer the
/// code takes for tests, with two real folders that differ only in case standing for one folder of such a file system.
/// </summary>
public sealed class PathNameCaseTests : IDisposable
{
    private const int Size = 32;

    private readonly ScratchDirectory scratch = new("path-name-case");

    public void Dispose() => scratch.Dispose();

    private string At(string relative) => Path.Combine(scratch.Location, relative);

    /// <summary>An empty file: resolving and pairing read no file, they only look for them.</summary>
    private string Touch(string relative)
    {
        string path = At(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, []);
        return path;
    }

    [Fact]
    public void A_manifest_line_naming_an_image_in_another_case_pairs_it_where_names_ignore_case()
    {
        string image = Touch("data/Case1.png");
        string mask = Touch("data/m1.png");
        string manifest = At("data/pairs.csv");
        File.WriteAllLines(manifest, ["case1.png,m1.png"]);

        Assert.Equal([mask], TruthMaskFiles.Pair([image], manifest, StringComparer.OrdinalIgnoreCase));
        var exact = Assert.Throws<EvaluationSetException>(() => TruthMaskFiles.Pair([image], manifest, StringComparer.Ordinal));
        Assert.Equal(EvaluationSetProblem.MissingMask, exact.Problem);
    }

    [Fact]
    public void A_mask_folder_pairs_an_image_with_the_mask_whose_stem_differs_in_case_where_names_ignore_case()
    {
        string image = Touch("anomalous/Case1.png");
        string mask = Touch("masks/case1.png");

        Assert.Equal([mask], TruthMaskFiles.Pair([image], At("masks"), StringComparer.OrdinalIgnoreCase));
        var exact = Assert.Throws<EvaluationSetException>(() => TruthMaskFiles.Pair([image], At("masks"), StringComparer.Ordinal));
        Assert.Equal(EvaluationSetProblem.MissingMask, exact.Problem);
    }

    [Fact]
    public void Two_masks_whose_stems_differ_only_in_case_are_ambiguous_where_names_ignore_case()
    {
        // In two subfolders: one folder of a case-insensitive file system cannot hold both names.
        string image = Touch("anomalous/Case1.png");
        Touch("masks/a/case1.png");
        string exactMask = Touch("masks/b/Case1.png");

        var refused = Assert.Throws<EvaluationSetException>(() => TruthMaskFiles.Pair([image], At("masks"), StringComparer.OrdinalIgnoreCase));
        Assert.Equal(EvaluationSetProblem.AmbiguousPairing, refused.Problem);
        Assert.Equal(image, refused.File);
        Assert.Equal(
            "The --masks folder holds 2 files with the name stem of file 1 of 1 in --anomalous (other extensions or subfolders): keep one.",
            refused.Message);

        // Where names are compared exactly (Linux) only one of them has the image's stem.
        Assert.Equal([exactMask], TruthMaskFiles.Pair([image], At("masks"), StringComparer.Ordinal));
    }

    [Fact]
    public void Two_images_whose_stems_differ_only_in_case_are_ambiguous_for_a_mask_folder_where_names_ignore_case()
    {
        string first = Touch("anomalous/a/Case1.png"), second = Touch("anomalous/b/case1.png");
        Touch("masks/case1.png");

        var refused = Assert.Throws<EvaluationSetException>(() => TruthMaskFiles.Pair([first, second], At("masks"), StringComparer.OrdinalIgnoreCase));
        Assert.Equal(EvaluationSetProblem.AmbiguousPairing, refused.Problem);
        Assert.Equal(
            "file 1 of 2 in --anomalous and file 2 share a name stem (the name without its extension), so a mask folder cannot tell their masks apart: rename one, or pair them in a .csv manifest.",
            refused.Message);
    }

    [Fact]
    public void A_scan_in_both_sets_under_another_case_is_refused_where_names_ignore_case()
    {
        Touch("Scans/s.png");
        Touch("scans/s.png");
        Touch("masks/s.png");

        var refused = Assert.Throws<EvaluationSetException>(() =>
            GivenSets.Resolve(At("Scans"), At("scans"), At("masks"), Size, SliceOrientation.Display, ModalityHint.BrainMri, StringComparer.OrdinalIgnoreCase));
        Assert.Equal(EvaluationSetProblem.InBothSets, refused.Problem);
        Assert.Equal("file 1 of 1 in --anomalous is also in --healthy: a scan is one or the other.", refused.Message);

        // Where names are compared exactly (Linux) they are two files.
        GivenSets.Resolve(At("Scans"), At("scans"), At("masks"), Size, SliceOrientation.Display, ModalityHint.BrainMri, StringComparer.Ordinal);
    }

    [Fact]
    public void A_file_of_the_set_under_another_case_is_found_by_path_where_names_ignore_case()
    {
        // Different lengths: the bytes cannot match, so only the path comparison can find the file.
        string spelt = At("Scans/s.png"), other = At("scans/s.png");
        Directory.CreateDirectory(Path.GetDirectoryName(spelt)!);
        Directory.CreateDirectory(Path.GetDirectoryName(other)!);
        File.WriteAllBytes(spelt, [1]);
        File.WriteAllBytes(other, [2, 2]);
        var cancellationToken = TestContext.Current.CancellationToken;

        Assert.Equal(1, SameFiles.CountIn([spelt], [other], StringComparer.OrdinalIgnoreCase, cancellationToken));
        // One file named in two cases is one of the files, counted once.
        Assert.Equal(1, SameFiles.CountIn([spelt, other], [spelt], StringComparer.OrdinalIgnoreCase, cancellationToken));
        Assert.Equal(0, SameFiles.CountIn([spelt], [other], StringComparer.Ordinal, cancellationToken));
    }

    [Fact]
    public void The_comparer_follows_the_name_comparison_of_this_operating_system()
    {
        bool ignoresCase = PathContainment.NameComparison == StringComparison.OrdinalIgnoreCase;

        Assert.Equal(ignoresCase, PathContainment.NameComparer.Equals("/data/A.nii", "/data/a.nii"));
        Assert.Equal(ignoresCase, new HashSet<string>(["/data/A.nii", "/data/a.nii"], PathContainment.NameComparer).Count == 1);
    }
}
