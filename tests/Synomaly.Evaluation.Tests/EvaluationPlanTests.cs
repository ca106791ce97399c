using System.Security.Cryptography;
using System.Text.Json;
using Synomaly.Contracts;
using Synomaly.Diffusion.Weights;
using Synomaly.Imaging.Presets;
using Synomaly.Testing;

namespace Synomaly.Evaluation.Tests;

public sealed class EvaluationPlanTests
{
    private static string[] ValidationFiles() =>
        Directory.GetFiles(Path.Combine(TestPaths.Data, "brain-mri-ixi-t1", "val"), "*.png");

    [Fact]
    public void Tuning_cases_come_only_from_tuning_subjects_and_never_from_the_reporting_half()
    {
        var plan = EvaluationPlan.Create(ValidationFiles().Take(8).ToArray(), lesionMapPath: null, modelSize: 32, lesionsPerSlice: 1, cancellationToken: TestContext.Current.CancellationToken);
        var reportingSubjects = plan.ReportingFiles.Select(SubjectSplit.SubjectOf).ToHashSet();
        var cases = plan.TuningCases(TestContext.Current.CancellationToken);
        Assert.NotEmpty(cases);
        Assert.All(cases, c => Assert.DoesNotContain(SubjectSplit.SubjectOf(c.Source), reportingSubjects));
        Assert.All(cases, c => Assert.Contains(c.Source, plan.TuningFiles));
    }

    [Fact]
    public void What_tune_hashes_after_its_search_stops_once_cancelled_so_that_nothing_is_written()
    {
        var plan = EvaluationPlan.Create(ValidationFiles().Order(StringComparer.Ordinal).Take(4).ToArray(), lesionMapPath: null, modelSize: 32, lesionsPerSlice: 1, cancellationToken: TestContext.Current.CancellationToken);
        var cases = plan.TuningCases(TestContext.Current.CancellationToken);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        // The manifest hashes every source, the fingerprints every file's bytes: both are done before tune writes a file.
        Assert.Throws<OperationCanceledException>(() => plan.ManifestJson(tuning: true, cases, cancelled.Token));
        Assert.Throws<OperationCanceledException>(() => plan.TuningSubjects(cancelled.Token));
        Assert.Throws<OperationCanceledException>(() => SubjectSplit.Fingerprints(plan.TuningFiles, cancelled.Token));
    }

    [Fact]
    public void A_profile_tuned_on_one_folder_is_caught_reporting_on_its_tuning_subjects_from_another()
    {
        var files = ValidationFiles().Order(StringComparer.Ordinal).Take(12).ToArray();
        var tunedOn = EvaluationPlan.Create(files, lesionMapPath: null, modelSize: 32, lesionsPerSlice: 1, cancellationToken: TestContext.Current.CancellationToken).TuningSubjects(TestContext.Current.CancellationToken);

        var same = EvaluationPlan.Create(files, lesionMapPath: null, modelSize: 32, lesionsPerSlice: 1, cancellationToken: TestContext.Current.CancellationToken);
        var shifted = EvaluationPlan.Create(files.Skip(1).ToArray(), lesionMapPath: null, modelSize: 32, lesionsPerSlice: 1, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(0, same.ReportingSubjectsTunedOn(tunedOn, TestContext.Current.CancellationToken));
        Assert.InRange(shifted.ReportingSubjectsTunedOn(tunedOn, TestContext.Current.CancellationToken), 1, 6); // one subject fewer reshuffles the halves
        Assert.Equal(0, shifted.ReportingSubjectsTunedOn(null, TestContext.Current.CancellationToken)); // profiles tuned before fingerprints: nothing to check
        Assert.All(tunedOn, f => Assert.Matches("^[0-9a-f]{16}$", f)); // fingerprints, not the subject ids
    }

    [Fact]
    public void The_shipped_demo_s_tuning_subjects_are_the_fingerprints_of_its_tuning_half_and_none_of_its_reporting_half()
    {
        var shipped = ModelPackage.LoadCard(Path.Combine(TestPaths.RepositoryRoot, "models", "brain-mri-demo")).Profile().TuningSubjects;

        var plan = EvaluationPlan.Create(ValidationFiles(), lesionMapPath: null, modelSize: 64, lesionsPerSlice: 2, cancellationToken: TestContext.Current.CancellationToken);

        // The card was tuned when a subject with a sub-<id> was fingerprinted by its id alone; tune now adds its slices' bytes.
        Assert.Equal(shipped, plan.TuningFiles.Select(SubjectSplit.SubjectOf).Distinct(StringComparer.Ordinal).Select(SubjectSplit.Fingerprint).Order(StringComparer.Ordinal));
        Assert.Subset(plan.TuningSubjects(TestContext.Current.CancellationToken).ToHashSet(StringComparer.Ordinal), shipped!.ToHashSet(StringComparer.Ordinal));
        Assert.Equal(0, plan.ReportingSubjectsTunedOn(shipped, TestContext.Current.CancellationToken));
        Assert.Equal(29, GivenSets.Resolve(Path.Combine(TestPaths.Data, "brain-mri-ixi-t1", "val"), null, null, 64, SliceOrientation.Display, ModalityHint.BrainMri).ReportingSubjectsTunedOn(shipped, TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Anomalous_cases_carry_a_resampled_truth_mask_and_healthy_cases_an_empty_one()
    {
        var plan = EvaluationPlan.Create(ValidationFiles().Take(4).ToArray(), Path.Combine(TestPaths.Data, "lesion-masks", "example_lesion.nii.gz"), modelSize: 64, lesionsPerSlice: 2, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(plan.RealShapeCount > 10);
        var cases = plan.ReportingCases(TestContext.Current.CancellationToken);
        Assert.Equal(plan.ReportingFiles.Count * 3, cases.Count);
        Assert.All(cases.Where(c => !c.IsAnomalous), c => Assert.Equal(0, c.TruthArea));
        Assert.All(cases.Where(c => c.IsAnomalous), c => Assert.InRange(c.TruthArea, 1, 64 * 64 / 4));
        Assert.All(cases, c => Assert.InRange(c.Input.Min(), -1.0001f, 1f));
        // The same plan rebuilds the same cases.
        var again = plan.ReportingCases(TestContext.Current.CancellationToken);
        Assert.Equal(cases.Select(c => c.Input), again.Select(c => c.Input));
    }

    [Fact]
    public void The_manifest_records_the_split_the_synthesis_the_lesion_map_and_every_source_by_hash()
    {
        string lesionMap = Path.Combine(TestPaths.Data, "lesion-masks", "example_lesion.nii.gz");
        var plan = EvaluationPlan.Create(ValidationFiles().Order(StringComparer.Ordinal).Take(4).ToArray(), lesionMap, modelSize: 32, lesionsPerSlice: 1, cancellationToken: TestContext.Current.CancellationToken);
        var cases = plan.ReportingCases(TestContext.Current.CancellationToken);
        using var scratch = new ScratchDirectory("eval-manifest");
        string path = Path.Combine(Directory.CreateDirectory(scratch.Location).FullName, "reporting-set.json");

        EvaluationSetManifest.Write(path, plan, "reporting", EvaluationPlan.ReportingSeed, cases);

        using var manifest = JsonDocument.Parse(File.ReadAllText(path));
        var root = manifest.RootElement;
        Assert.Equal("reporting", root.GetProperty("half").GetString());
        Assert.Equal(SubjectSplit.DefaultSeed, root.GetProperty("splitSeed").GetInt32());
        Assert.Equal(EvaluationPlan.ReportingSeed, root.GetProperty("baseSeed").GetInt32());
        Assert.Equal(255, root.GetProperty("synthesis").GetProperty("MaxValue").GetDouble());
        Assert.Equal(Sha256(lesionMap), root.GetProperty("lesionMap").GetProperty("sha256").GetString());
        Assert.Equal(plan.ShapeGrid!.SpacingX, root.GetProperty("lesionMap").GetProperty("grid").GetProperty("SpacingX").GetDouble());
        var sources = root.GetProperty("sources").EnumerateArray().ToDictionary(s => s.GetProperty("file").GetString()!, s => s.GetProperty("sha256").GetString());
        Assert.Equal(plan.ReportingFiles.Count, sources.Count);
        Assert.All(plan.ReportingFiles, f => Assert.Equal(Sha256(f), sources[Path.GetFileName(f)]));
        Assert.Equal(cases.Count, root.GetProperty("cases").GetArrayLength());
    }

    private static string Sha256(string file) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file)));

    [Fact]
    public void Downsampled_masks_keep_any_touched_pixel_as_the_reference_does()
    {
        var mask = new bool[16 * 16];
        mask[5 + (16 * 5)] = true;
        var small = MaskResampling.Resize(mask, 16, 16, 4, 4);
        Assert.Equal(1, small.Count(m => m));
        Assert.True(small[1 + (4 * 1)]);
    }
}
