using System.Text.Json.Nodes;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Synomaly.Contracts;
using Synomaly.Imaging.Presets;
using Synomaly.Testing;

namespace Synomaly.Evaluation.Tests;

public sealed class EvaluationSetVerificationTests : IDisposable
{
    private static readonly string LesionMap = Path.Combine(TestPaths.Data, "lesion-masks", "example_lesion.nii.gz");

    private readonly ScratchDirectory scratch = new("verify-set");

    public void Dispose() => scratch.Dispose();

    [Fact]
    public void A_set_rebuilt_from_the_same_files_matches_its_manifest()
    {
        string folder = CopyOfSixSlices();
        string manifest = WriteReportingManifest(folder);

        var recorded = EvaluationSetManifest.Read(manifest);
        var verification = new EvaluationSetVerification(recorded, InputFiles.Resolve(folder), LesionMap);

        Assert.Empty(verification.Run(cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal(SliceOrientationNames.Display, recorded.Orientation);
        Assert.True(verification.HasCaseHashes);
        Assert.Equal(3, verification.FileCount);
    }

    [Fact]
    public void Slices_of_one_name_in_each_patient_s_folder_are_cases_of_their_own_and_rebuild_exactly()
    {
        // As DICOM exports lay out a set: a folder per patient, each holding a file of the same name.
        string folder = Path.Combine(scratch.Location, "patients");
        var slices = Directory.GetFiles(Path.Combine(TestPaths.Data, "brain-mri-ixi-t1", "val"), "*.png").Order(StringComparer.Ordinal).Take(6).ToList();
        for (int i = 0; i < slices.Count; i++)
        {
            File.Copy(slices[i], Path.Combine(Directory.CreateDirectory(Path.Combine(folder, $"p{i}")).FullName, "slice.png"));
        }

        string manifest = WriteReportingManifest(folder);
        var recorded = EvaluationSetManifest.Read(manifest);
        var differences = new EvaluationSetVerification(recorded, InputFiles.Resolve(folder), LesionMap).Run(cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(differences.Count == 0, string.Join("; ", differences.Select(d => $"{d.Item}: {d.Difference}")));
        Assert.Equal(recorded.Cases.Count, recorded.Cases.Select(c => c.Id).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(3, recorded.Sources.Select(s => s.File).Distinct(StringComparer.Ordinal).Count());
        Assert.All(recorded.Sources, s => Assert.Matches("^p[0-5]/slice\\.png$", s.File));
        Assert.All(recorded.Cases.Where(c => c.Lesion is null), c => Assert.Matches("^healthy-p[0-5]/slice$", c.Id));
    }

    [Fact]
    public void A_tampered_source_image_fails_verification_naming_its_source_and_its_cases()
    {
        string folder = CopyOfSixSlices();
        string manifest = WriteReportingManifest(folder);
        var recorded = EvaluationSetManifest.Read(manifest);
        string tampered = recorded.Sources[0].File;
        using (var image = Image.Load<L8>(Path.Combine(folder, tampered)))
        {
            for (int y = 100; y < 120; y++)
            {
                for (int x = 90; x < 110; x++)
                {
                    image[x, y] = new L8(255);
                }
            }

            image.SaveAsPng(Path.Combine(folder, tampered));
        }

        var differences = new EvaluationSetVerification(recorded, InputFiles.Resolve(folder), LesionMap).Run(cancellationToken: TestContext.Current.CancellationToken);

        string healthyCase = $"case healthy-{Path.GetFileNameWithoutExtension(tampered)}";
        Assert.Contains(differences, d => d.Item == $"source {tampered}" && d.Difference.StartsWith("SHA-256", StringComparison.Ordinal));
        Assert.Contains(differences, d => d.Item == healthyCase && d.Difference == "model input differs (SHA-256)");
        Assert.All(differences, d => Assert.Contains(Path.GetFileNameWithoutExtension(tampered), d.Item + SourceOf(recorded, d.Item), StringComparison.Ordinal));
    }

    [Fact]
    public void A_missing_slice_shows_as_missing_cases()
    {
        string folder = CopyOfSixSlices();
        string manifest = WriteReportingManifest(folder);
        var recorded = EvaluationSetManifest.Read(manifest);
        string removed = recorded.Sources[^1].File;
        File.Delete(Path.Combine(folder, removed));

        var differences = new EvaluationSetVerification(recorded, InputFiles.Resolve(folder), LesionMap).Run(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Contains(differences, d => d.Item == $"case healthy-{Path.GetFileNameWithoutExtension(removed)}" && d.MissingOrExtra);
    }

    [Fact]
    public void A_ct_set_built_for_a_liver_ct_model_records_its_modality_and_is_rebuilt_with_the_ct_preset()
    {
        // NIfTI states no modality: without the recorded one these slices would be rebuilt with the brain MRI preset.
        string folder = CtSlicesOfSixSubjects();
        var plan = EvaluationPlan.Create(InputFiles.Resolve(folder), lesionMapPath: null, modelSize: 32, lesionsPerSlice: 1, SliceOrientation.Display, ModalityHint.LiverCt, cancellationToken: TestContext.Current.CancellationToken);
        string manifest = Path.Combine(scratch.Location, "reporting-set.json");
        EvaluationSetManifest.Write(manifest, plan, "reporting", EvaluationPlan.ReportingSeed, plan.ReportingCases(TestContext.Current.CancellationToken));

        var recorded = EvaluationSetManifest.Read(manifest);
        var differences = new EvaluationSetVerification(recorded, InputFiles.Resolve(folder), lesionMapPath: null).Run(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(ModalityNames.LiverCt, JsonNode.Parse(File.ReadAllText(manifest))!["modality"]?.GetValue<string>());
        Assert.Empty(differences);
    }

    [Fact]
    public void A_manifest_naming_an_unknown_modality_is_refused_naming_the_option_and_the_choices()
    {
        string manifest = WriteReportingManifest(CopyOfSixSlices());
        var json = JsonNode.Parse(File.ReadAllText(manifest))!.AsObject();
        json["modality"] = "knee-mri";
        File.WriteAllText(manifest, json.ToJsonString());

        var error = Assert.Throws<InvalidDataException>(() => EvaluationSetManifest.Read(manifest));

        // By verify-set's option, never by the path: folder names can carry patient names.
        Assert.StartsWith("--manifest: ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(manifest, error.Message, StringComparison.Ordinal);
        Assert.Contains("'knee-mri'", error.Message, StringComparison.Ordinal);
        Assert.Contains(ModalityNames.LiverCt, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_manifest_from_before_orientation_modality_and_case_hashes_reads_as_display_and_auto_and_is_checked_on_what_it_records()
    {
        string folder = CopyOfSixSlices();
        string manifest = WriteReportingManifest(folder);
        var json = JsonNode.Parse(File.ReadAllText(manifest))!.AsObject();
        json.Remove("orientation");
        json.Remove("modality");
        foreach (var c in json["cases"]!.AsArray())
        {
            c!.AsObject().Remove("inputSha256");
            c.AsObject().Remove("truthSha256");
        }

        var lesionCase = json["cases"]!.AsArray().First(c => c!["lesion"] is not null)!;
        File.WriteAllText(manifest, json.ToJsonString());
        var old = EvaluationSetManifest.Read(manifest);
        lesionCase["lesion"]!["CentreX"] = lesionCase["lesion"]!["CentreX"]!.GetValue<int>() + 1;
        File.WriteAllText(manifest, json.ToJsonString());
        var edited = EvaluationSetManifest.Read(manifest);

        var verification = new EvaluationSetVerification(old, InputFiles.Resolve(folder), LesionMap);
        var differences = new EvaluationSetVerification(edited, InputFiles.Resolve(folder), LesionMap).Run(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal((SliceOrientation.Display, ModalityHint.Auto, false), (old.SliceOrientation, old.TrainedFor, verification.HasCaseHashes));
        Assert.Empty(verification.Run(cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal([new SetDifference($"case {lesionCase["Id"]}", "other lesion parameters than the manifest's")], differences);
    }

    [Fact]
    public void A_set_built_with_a_lesion_map_is_not_rebuilt_without_it()
    {
        string folder = CopyOfSixSlices();
        var recorded = EvaluationSetManifest.Read(WriteReportingManifest(folder));

        var error = Assert.Throws<ArgumentException>(() => new EvaluationSetVerification(recorded, InputFiles.Resolve(folder), lesionMapPath: null));

        Assert.Contains("example_lesion.nii.gz", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_shipped_reporting_set_is_rebuilt_exactly_from_the_shared_data()
    {
        var recorded = EvaluationSetManifest.Read(Path.Combine(TestPaths.RepositoryRoot, "docs", "evaluation", "reporting-set.json"));
        var files = InputFiles.Resolve(Path.Combine(TestPaths.Data, "brain-mri-ixi-t1", "val"));

        Assert.Empty(new EvaluationSetVerification(recorded, files, LesionMap).Run(cancellationToken: TestContext.Current.CancellationToken));
    }

    [Fact]
    public void The_shipped_tuning_set_is_rebuilt_exactly_from_the_shared_data()
    {
        var recorded = EvaluationSetManifest.Read(Path.Combine(TestPaths.RepositoryRoot, "docs", "evaluation", "tuning", "demo-v8", "tuning-set.json"));
        var files = InputFiles.Resolve(Path.Combine(TestPaths.Data, "brain-mri-ixi-t1", "val"));

        Assert.Empty(new EvaluationSetVerification(recorded, files, LesionMap).Run(cancellationToken: TestContext.Current.CancellationToken));
    }

    /// <summary>The source a difference's case was made from, so that every difference can be traced to the tampered file.</summary>
    private static string SourceOf(EvaluationSetManifest manifest, string item) =>
        manifest.Cases.FirstOrDefault(c => item == $"case {c.Id}")?.Source ?? "";

    /// <summary>Six validation slices (three subjects per half), copied so that a test may change them.</summary>
    private string CopyOfSixSlices()
    {
        string folder = Directory.CreateDirectory(Path.Combine(scratch.Location, "val")).FullName;
        foreach (var file in Directory.GetFiles(Path.Combine(TestPaths.Data, "brain-mri-ixi-t1", "val"), "*.png").Order(StringComparer.Ordinal).Take(6))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }

        return folder;
    }

    /// <summary>Six single-slice NIfTIs of the shared CT, one subject each (three per half of the split).</summary>
    private string CtSlicesOfSixSubjects()
    {
        string folder = Path.Combine(scratch.Location, "ct");
        for (int i = 0; i < 6; i++)
        {
            ScanFiles.CtSlab(Path.Combine(folder, $"sub-0{i}_ct.nii"), first: 10 + (4 * i), count: 1);
        }

        return folder;
    }

    private string WriteReportingManifest(string folder)
    {
        var plan = EvaluationPlan.Create(InputFiles.Resolve(folder), LesionMap, modelSize: 32, lesionsPerSlice: 1, cancellationToken: TestContext.Current.CancellationToken);
        string path = Path.Combine(scratch.Location, "reporting-set.json");
        EvaluationSetManifest.Write(path, plan, "reporting", EvaluationPlan.ReportingSeed, plan.ReportingCases(TestContext.Current.CancellationToken));
        return path;
    }
}
