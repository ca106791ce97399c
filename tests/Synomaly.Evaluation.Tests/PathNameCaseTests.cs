using Synomaly.Contracts;
using Synomaly.Imaging.Presets;
using Synomaly.Testing;

namespace Synomaly.Evaluation.Tests;

/// <summary>
/// Pairing masks by a manifest or by name stem in a folder, the overlap checks between given sets and the search for
/// evaluation files among other files (<see cref="SameFiles"/>), the names of a set's files (<see cref="SetRelativePaths"/>)
/// and its subject split (<see cref="SubjectSplit"/>) compare paths and names by the rule of
/// <see cref="PathContainment.NameComparison"/>: on Windows and macOS, whose file systems ignore case, Case1.png and
/// case1.png are one file. These tests run on Linux, so the case-insensitive side is asked for through the comparer the
/// code takes for tests, with two real folders that differ only in case standing for one folder of such a file system.
/// </summary>
public sealed class PathNameCaseTests : IDisposable
{
    private const int Size = 32;

    private readonly ScratchDirectory scratch = new("path-name-case");

    public void Dispose() => scratch.Dispose();

    private string At(string relative) => scratch.At(relative);

    /// <summary>An empty file: resolving and pairing read no file, they only look for them.</summary>
    private string Touch(string relative) => scratch.Touch(relative);

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
    public void An_image_in_the_mask_folder_spelt_in_another_case_is_refused_where_names_ignore_case()
    {
        // Masks and masks stand for one folder: the image lies inside --masks, and would pair with itself.
        string image = Touch("Masks/case1.png");
        string mask = Touch("masks/case1.png");

        var refused = Assert.Throws<EvaluationSetException>(() => TruthMaskFiles.Pair([image], At("masks"), StringComparer.OrdinalIgnoreCase));
        Assert.Equal(EvaluationSetProblem.MaskAmongImages, refused.Problem);
        Assert.Equal(image, refused.File);

        // Where names are compared exactly (Linux) the image lies in a folder of its own.
        Assert.Equal([mask], TruthMaskFiles.Pair([image], At("masks"), StringComparer.Ordinal));
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

        Assert.Equal(1, SameFiles.CountIn([spelt], [other], StringComparer.OrdinalIgnoreCase, inputOf: null, cancellationToken));
        // One file named in two cases is one of the files, counted once.
        Assert.Equal(1, SameFiles.CountIn([spelt, other], [spelt], StringComparer.OrdinalIgnoreCase, inputOf: null, cancellationToken));
        Assert.Equal(0, SameFiles.CountIn([spelt], [other], StringComparer.Ordinal, inputOf: null, cancellationToken));
    }

    [Fact]
    public void One_file_named_in_two_cases_is_named_once_below_its_set_s_folder_where_names_ignore_case()
    {
        // Files are not read: the names come from the paths alone.
        string spelt = At("Data/p1/s.png"), other = At("data/p1/s.png"), second = At("Data/p2/s.png");

        var names = SetRelativePaths.Of([spelt, other, second], StringComparer.OrdinalIgnoreCase);
        // The common folder is Data (data in another case is the same folder), and the file in two cases is one name.
        Assert.Equal(["p1/s.png", "p2/s.png"], names.Values.Order(StringComparer.Ordinal));
        Assert.Equal("p1/s.png", names[other]);

        // Where names are compared exactly (Linux) Data and data are two folders.
        Assert.Equal(["Data/p1/s.png", "Data/p2/s.png", "data/p1/s.png"], SetRelativePaths.Of([spelt, other, second], StringComparer.Ordinal).Values.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void One_file_named_in_two_cases_is_split_once_where_names_ignore_case()
    {
        // Subject ids in the names: the split reads no file. The first two stand for one file whose name was given in two cases.
        string[] files = [At("Scans/sub-AB_T1w.png"), At("scans/sub-ab_t1w.png"), At("Scans/sub-02_T1w.png"), At("Scans/sub-03_T1w.png")];

        var (tuning, reporting) = SubjectSplit.Split(files, SubjectSplit.DefaultSeed, StringComparer.OrdinalIgnoreCase, TestContext.Current.CancellationToken);
        // Counted twice (and, by its two ids, possibly in both halves), the file would be tuned on and reported on.
        Assert.Equal(3, tuning.Count + reporting.Count);
        Assert.Single(tuning.Concat(reporting), f => StringComparer.OrdinalIgnoreCase.Equals(f, files[0]));

        var exact = SubjectSplit.Split(files, SubjectSplit.DefaultSeed, StringComparer.Ordinal, TestContext.Current.CancellationToken);
        Assert.Equal(4, exact.Tuning.Count + exact.Reporting.Count);
    }

    [Fact]
    public void A_tuned_file_named_in_another_case_than_in_its_set_is_one_subject_where_names_ignore_case()
    {
        // Two empty files stand for one: one content, and a subject id in two cases.
        string spelt = Touch("Scans/sub-AB_T1w.png"), other = Touch("scans/sub-ab_t1w.png");
        var cancellationToken = TestContext.Current.CancellationToken;

        var fingerprints = SubjectSplit.Fingerprints([spelt, other], StringComparer.OrdinalIgnoreCase, inputOf: null, cancellationToken);
        string[] ofOneFile = [SubjectSplit.Fingerprint("sha256:" + EvaluationSetManifest.Sha256Of(spelt, cancellationToken)), SubjectSplit.Fingerprint("sub-AB")];
        Assert.Equal(ofOneFile.Order(StringComparer.Ordinal), fingerprints);
        Assert.Equal(1, SubjectSplit.CountTunedOn([spelt, other], [spelt, other], fingerprints, StringComparer.OrdinalIgnoreCase, inputOf: null, cancellationToken));
        // A file of the reporting half spelt otherwise than in the set is still found in it.
        Assert.Equal(1, SubjectSplit.CountTunedOn([other], [spelt], fingerprints, StringComparer.OrdinalIgnoreCase, inputOf: null, cancellationToken));

        // Where names are compared exactly (Linux) they are two files, of two subjects.
        Assert.Equal(3, SubjectSplit.Fingerprints([spelt, other], StringComparer.Ordinal, inputOf: null, cancellationToken).Count);
    }

    [Fact]
    public void The_comparer_follows_the_name_comparison_of_this_operating_system()
    {
        bool ignoresCase = PathContainment.NameComparison == StringComparison.OrdinalIgnoreCase;

        Assert.Equal(ignoresCase, PathContainment.NameComparer.Equals("/data/A.nii", "/data/a.nii"));
        Assert.Equal(ignoresCase, new HashSet<string>(["/data/A.nii", "/data/a.nii"], PathContainment.NameComparer).Count == 1);
    }
}
