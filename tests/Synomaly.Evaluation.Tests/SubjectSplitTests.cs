using Synomaly.Testing;

namespace Synomaly.Evaluation.Tests;

public sealed class SubjectSplitTests
{
    [Fact]
    public void The_validation_set_splits_by_subject_into_disjoint_reproducible_halves()
    {
        var files = Directory.GetFiles(Path.Combine(TestPaths.Data, "brain-mri-ixi-t1", "val"), "*.png");
        var (tuning, reporting) = SubjectSplit.Split(files, cancellationToken: TestContext.Current.CancellationToken);
        var (tuning2, _) = SubjectSplit.Split(files.Reverse(), cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(tuning, tuning2);
        Assert.Equal(files.Length, tuning.Count + reporting.Count);
        var tuningSubjects = tuning.Select(SubjectSplit.SubjectOf).ToHashSet();
        Assert.DoesNotContain(reporting, f => tuningSubjects.Contains(SubjectSplit.SubjectOf(f)));
        Assert.Equal(29, tuningSubjects.Count);
    }

    [Fact]
    public void Two_files_of_one_subject_stay_together()
    {
        string[] files = ["a/sub-IXI027_x_T1w.png", "a/sub-IXI027_desc-Crop_T1w.png", "a/sub-IXI001_T1w.png", "a/sub-IXI002_T1w.png"];
        var (tuning, reporting) = SubjectSplit.Split(files, cancellationToken: TestContext.Current.CancellationToken);
        bool together = tuning.Count(f => f.Contains("IXI027", StringComparison.Ordinal)) is 0 or 2;
        Assert.True(together);
        Assert.Equal(4, tuning.Count + reporting.Count);
    }

    [Fact]
    public void Two_patients_whose_scans_share_a_file_name_in_their_own_folders_are_two_subjects()
    {
        using var scratch = new ScratchDirectory("subject-split");
        var files = Scans(scratch, "data/p1/T1.nii.gz", "data/p2/T1.nii.gz");

        var (tuning, reporting) = SubjectSplit.Split(files, cancellationToken: TestContext.Current.CancellationToken);

        // One subject would put both files in one half and leave the other empty.
        Assert.Single(tuning);
        Assert.Single(reporting);
        Assert.Equal(2, SubjectSplit.Fingerprints(files, TestContext.Current.CancellationToken).Count);
        Assert.Empty(SubjectSplit.Fingerprints(Scans(scratch, "other/p3/T1.nii.gz", "other/p4/T1.nii.gz"), TestContext.Current.CancellationToken).Intersect(SubjectSplit.Fingerprints(files, TestContext.Current.CancellationToken)));
    }

    [Fact]
    public void A_flat_folder_keeps_the_file_name_subjects_and_a_subject_id_keeps_its_fingerprint()
    {
        using var scratch = new ScratchDirectory("subject-split");
        var files = Scans(scratch, "val/IXI002-slice.png", "val/IXI012-slice.png", "val/sub-IXI025_T1w.png");

        Assert.Equal(["IXI002-slice", "IXI012-slice", "sub-IXI025"], SubjectSplit.SubjectsOf(files).Values.Order(StringComparer.Ordinal));
        Assert.Contains(SubjectSplit.Fingerprint("sub-IXI025"), SubjectSplit.Fingerprints(files, TestContext.Current.CancellationToken));
        // Three files' bytes, and the one id.
        Assert.Equal(4, SubjectSplit.Fingerprints(files, TestContext.Current.CancellationToken).Count);
    }

    [Fact]
    public void A_file_without_a_subject_id_has_one_fingerprint_in_whatever_set_and_folder_it_is_found()
    {
        using var scratch = new ScratchDirectory("subject-split");
        var files = Scans(scratch, "d/h/x.png", "d/a/y.png", "d/a/z.png");
        string moved = Path.Combine(scratch.Location, "elsewhere", "renamed.png");
        Directory.CreateDirectory(Path.GetDirectoryName(moved)!);
        File.Copy(files[1], moved);

        var inTheWholeSet = SubjectSplit.Fingerprints(files, TestContext.Current.CancellationToken);

        Assert.Equal(SubjectSplit.Fingerprints([files[1]], TestContext.Current.CancellationToken), SubjectSplit.Fingerprints([moved], TestContext.Current.CancellationToken));
        Assert.Equal(2, SubjectSplit.CountTunedOn(files[1..], files[1..], inTheWholeSet, TestContext.Current.CancellationToken));
        Assert.Equal(1, SubjectSplit.CountTunedOn([moved], [moved], inTheWholeSet, TestContext.Current.CancellationToken));
        Assert.Equal(0, SubjectSplit.CountTunedOn(files, files, null, TestContext.Current.CancellationToken));
    }

    [Fact]
    public void A_hard_link_or_copy_of_a_subject_s_file_under_a_name_without_its_id_is_the_subject_it_was_made_from()
    {
        using var scratch = new ScratchDirectory("subject-split");
        var reported = Scans(scratch, "val/sub-IXI025_T1w.png", "val/sub-IXI026_T1w.png");
        Directory.CreateDirectory(Path.Combine(scratch.Location, "train"));
        string linked = HardLink.Create(reported[0], Path.Combine(scratch.Location, "train", "extra.png"));
        string copied = Path.Combine(scratch.Location, "train", "copy.png");
        File.Copy(reported[0], copied);

        // Fitted on the link or the copy (tune --normative-data train/), reported on the original: its name has an id, theirs none.
        Assert.Equal(1, SubjectSplit.CountTunedOn(reported, reported, SubjectSplit.Fingerprints([linked], TestContext.Current.CancellationToken), TestContext.Current.CancellationToken));
        Assert.Equal(1, SubjectSplit.CountTunedOn(reported, reported, SubjectSplit.Fingerprints([copied], TestContext.Current.CancellationToken), TestContext.Current.CancellationToken));
        // And the other way round: tuned on the original, reported on the copy.
        Assert.Equal(1, SubjectSplit.CountTunedOn([copied], [copied], SubjectSplit.Fingerprints(reported[..1], TestContext.Current.CancellationToken), TestContext.Current.CancellationToken));
    }

    [Fact]
    public void A_profile_that_recorded_a_subject_by_its_id_alone_is_still_caught()
    {
        using var scratch = new ScratchDirectory("subject-split");
        var files = Scans(scratch, "val/sub-IXI025_T1w.png", "val/sub-IXI026_T1w.png");

        // What tune recorded before the bytes of files with an id were fingerprinted too (the shipped demo's card).
        Assert.Equal(1, SubjectSplit.CountTunedOn(files, files, [SubjectSplit.Fingerprint("sub-IXI025")], TestContext.Current.CancellationToken));
        Assert.Contains(SubjectSplit.Fingerprint("sub-IXI025"), SubjectSplit.Fingerprints(files, TestContext.Current.CancellationToken));
    }

    [Fact]
    public void A_profile_that_recorded_path_names_before_files_were_identified_by_content_is_still_caught_in_the_same_set()
    {
        using var scratch = new ScratchDirectory("subject-split");
        var files = Scans(scratch, "d/h/x.png", "d/a/y.png");
        string[] recordedBefore = [SubjectSplit.Fingerprint("h/x"), SubjectSplit.Fingerprint("a/y")];

        Assert.Equal(2, SubjectSplit.CountTunedOn(files, files, recordedBefore, TestContext.Current.CancellationToken));
        Assert.Equal(1, SubjectSplit.CountTunedOn(files[1..], files, recordedBefore, TestContext.Current.CancellationToken));
    }

    [Fact]
    public void A_set_without_subject_ids_splits_in_the_order_of_its_path_names_as_it_always_did()
    {
        using var scratch = new ScratchDirectory("subject-split");
        string[] names = ["p1/T1.nii.gz", "p2/T1.nii.gz", "p3/T1.nii.gz", "p4/T1.nii.gz", "p5/T1.nii.gz", "p6/T1.nii.gz"];
        var files = Scans(scratch, [.. names.Select(n => "data/" + n)]);
        // The same subjects named by id, in the same order: the split is drawn from the order, never from the bytes.
        string[] byId = [.. names.Select(n => $"data/sub-{n[..2]}.nii.gz")];

        var (tuning, _) = SubjectSplit.Split(files, cancellationToken: TestContext.Current.CancellationToken);
        var (tuningById, _) = SubjectSplit.Split(byId, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(tuningById.Select(f => f[9..11]), tuning.Select(f => Path.GetFileName(Path.GetDirectoryName(f))));
    }

    [Fact]
    public void A_copy_of_a_file_under_another_path_in_the_same_set_stays_in_the_same_half()
    {
        using var scratch = new ScratchDirectory("subject-split");
        var files = Scans(scratch, "data/a.png", "data/b.png", "data/c.png", "data/d.png");
        string copy = Path.Combine(scratch.Location, "data", "copy-of-a.png");
        File.Copy(files[0], copy);

        var (tuning, reporting) = SubjectSplit.Split([.. files, copy], cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(tuning.Contains(files[0]), tuning.Contains(copy));
        Assert.Equal(5, tuning.Count + reporting.Count);
    }

    [Theory]
    [InlineData("copy.png")]
    [InlineData("a-copy.png")]
    [InlineData("z-copy.png")]
    public void A_copy_without_its_id_of_a_subject_s_file_stays_in_that_subject_s_half(string copyName)
    {
        // A subject's slice saved again under a name without its sub-<id> (an export, a renamed copy) is that subject by
        // its bytes. Grouped by the id for one file and by the bytes for the other, the two could land in different
        // halves: tune then read the copy, and evaluate, recognising the bytes, refused every run on that folder.
        using var scratch = new ScratchDirectory("subject-split");
        var files = Scans(scratch, [.. Enumerable.Range(1, 8).Select(i => $"data/sub-{i:D2}_T1w.png")]);
        string copy = Path.Combine(scratch.Location, "data", copyName);

        foreach (var original in files)
        {
            File.Copy(original, copy, overwrite: true);
            var (tuning, reporting) = SubjectSplit.Split([.. files, copy], cancellationToken: TestContext.Current.CancellationToken);

            Assert.True(tuning.Contains(original) == tuning.Contains(copy), $"{Path.GetFileName(original)} and its copy were split into both halves");
            Assert.Equal(9, tuning.Count + reporting.Count);
        }
    }

    [Fact]
    public void Ctrl_c_stops_the_hashing_of_files_against_a_profile_s_subjects_and_against_another_set()
    {
        using var scratch = new ScratchDirectory("subject-split");
        // The same length, so that SameFiles has to compare their bytes.
        var files = Scans(scratch, "d/a/x.png", "d/b/x.png");
        var cancelled = new CancellationToken(canceled: true);

        Assert.ThrowsAny<OperationCanceledException>(() => SubjectSplit.CountTunedOn(files, files, [SubjectSplit.Fingerprint("sub-01")], cancelled));
        Assert.ThrowsAny<OperationCanceledException>(() => SameFiles.CountIn(files[..1], files[1..], cancelled));
        Assert.Equal(0, SameFiles.CountIn(files[..1], files[1..], TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Bootstrap_interval_contains_the_mean_and_narrows_with_more_cases()
    {
        var random = new Random(3);
        var small = Enumerable.Range(0, 20).Select(_ => random.NextDouble()).ToList();
        var large = Enumerable.Range(0, 2000).Select(_ => random.NextDouble()).ToList();
        var (lo, hi) = Bootstrap.Interval(small);
        Assert.InRange(small.Average(), lo, hi);
        var (lo2, hi2) = Bootstrap.Interval(large);
        Assert.True(hi2 - lo2 < (hi - lo) / 4);
        // For uniform(0,1) the mean's 95% interval at n = 2000 is about +-0.0127.
        Assert.InRange(hi2 - lo2, 0.018, 0.034);
    }

    [Fact]
    public void Group_bootstrap_resamples_whole_subjects_so_correlated_copies_do_not_narrow_the_interval()
    {
        var random = new Random(5);
        var perSubject = Enumerable.Range(0, 15).Select(_ => random.NextDouble()).ToArray();
        // Three copies per subject with the same value (a slice and its lesion copies, at the extreme).
        var values = perSubject.SelectMany(v => new[] { v, v, v }).ToArray();
        var subjects = Enumerable.Range(0, values.Length).Select(i => $"sub-{i / 3:D2}").ToArray();

        var byCase = Bootstrap.Interval(values);
        var bySubject = Bootstrap.GroupInterval(subjects, idx => idx.Average(i => values[i]));
        var singletons = Bootstrap.GroupInterval([.. Enumerable.Range(0, values.Length).Select(i => $"c{i:D2}")], idx => idx.Average(i => values[i]));

        Assert.True(bySubject.High - bySubject.Low > 1.4 * (byCase.High - byCase.Low)); // about sqrt(3) wider
        Assert.InRange(values.Average(), bySubject.Low, bySubject.High);
        Assert.Equal(byCase, singletons); // one case per group is the case bootstrap, draw for draw
    }

    [Fact]
    public void A_cancelled_split_stops_while_hashing_the_files_without_a_subject_id()
    {
        using var scratch = new ScratchDirectory("subject-split");
        var files = Scans(scratch, "data/a.png", "data/b.png");
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.Throws<OperationCanceledException>(() => SubjectSplit.Split(files, cancellationToken: cancelled.Token));
        Assert.Throws<OperationCanceledException>(() => EvaluationPlan.Create(files, lesionMapPath: null, modelSize: 32, lesionsPerSlice: 1, cancellationToken: cancelled.Token));
    }

    /// <summary>Files at <paramref name="relative"/> paths below <paramref name="scratch"/>, each holding other bytes (its own path).</summary>
    private static string[] Scans(ScratchDirectory scratch, params string[] relative) => [.. relative.Select(r =>
    {
        string path = Path.Combine(scratch.Location, r);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, r);
        return path;
    })];
}
