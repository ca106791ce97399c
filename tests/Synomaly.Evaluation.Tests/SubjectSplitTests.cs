using Synomaly.Testing;

namespace Synomaly.Evaluation.Tests;

public sealed class SubjectSplitTests
{
    [Fact]
    public void The_validation_set_splits_by_subject_into_disjoint_reproducible_halves()
    {
        var files = Directory.GetFiles(Path.Combine(TestPaths.Data, "brain-mri-ixi-t1", "val"), "*.png");
        var (tuning, reporting) = SubjectSplit.Split(files);
        var (tuning2, _) = SubjectSplit.Split(files.Reverse());
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
        var (tuning, reporting) = SubjectSplit.Split(files);
        bool together = tuning.Count(f => f.Contains("IXI027", StringComparison.Ordinal)) is 0 or 2;
        Assert.True(together);
        Assert.Equal(4, tuning.Count + reporting.Count);
    }

    [Fact]
    public void Two_patients_whose_scans_share_a_file_name_in_their_own_folders_are_two_subjects()
    {
        string[] files = ["data/p1/T1.nii.gz", "data/p2/T1.nii.gz"];

        var (tuning, reporting) = SubjectSplit.Split(files);

        // One subject would put both files in one half and leave the other empty.
        Assert.Single(tuning);
        Assert.Single(reporting);
        Assert.Equal([SubjectSplit.Fingerprint("p1/T1.nii"), SubjectSplit.Fingerprint("p2/T1.nii")], SubjectSplit.Fingerprints(files).Order(StringComparer.Ordinal));
        Assert.Empty(SubjectSplit.Fingerprints(["other/p3/T1.nii.gz", "other/p4/T1.nii.gz"]).Intersect(SubjectSplit.Fingerprints(files)));
    }

    [Fact]
    public void A_flat_folder_keeps_the_file_name_subjects_and_fingerprints()
    {
        string[] files = ["val/IXI002-slice.png", "val/IXI012-slice.png", "val/sub-IXI025_T1w.png"];

        Assert.Equal(["IXI002-slice", "IXI012-slice", "sub-IXI025"], SubjectSplit.SubjectsOf(files).Values.Order(StringComparer.Ordinal));
        Assert.Equal([.. new[] { "IXI002-slice", "IXI012-slice", "sub-IXI025" }.Select(SubjectSplit.Fingerprint).Order(StringComparer.Ordinal)], SubjectSplit.Fingerprints(files));
    }

    [Fact]
    public void A_half_of_a_split_is_fingerprinted_with_the_subjects_the_split_named()
    {
        string[] files = ["data/p1/T1.nii.gz", "data/p2/T1.nii.gz", "data/p3/T1.nii.gz", "data/p4/T1.nii.gz"];
        var (tuning, _) = SubjectSplit.Split(files);

        var fingerprints = SubjectSplit.Fingerprints(tuning, files);

        Assert.Equal(2, tuning.Count);
        Assert.Equal([.. tuning.Select(f => SubjectSplit.Fingerprint(Path.GetFileName(Path.GetDirectoryName(f)) + "/T1.nii")).Order(StringComparer.Ordinal)], fingerprints);
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
}
