using Synomaly.Contracts;
using Synomaly.Imaging.Presets;
using Synomaly.Imaging.Reading;
using Synomaly.Testing;

namespace Synomaly.Evaluation.Tests;

public sealed class GivenSetsTests : IDisposable
{
    private const int Size = 32;

    private readonly ScratchDirectory scratch = new("given-sets");

    public void Dispose() => scratch.Dispose();

    private string At(string relative) => Path.Combine(scratch.Location, relative);

    private static string Sha256Of(string file) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(file)));

    /// <summary>
    /// A 48x40x6 head-like volume (rows running anterior, so the display layout flips them) with a bright 6x6 lesion off
    /// centre on slices 2 and 3, and its mask volume on the same grid. <paramref name="sagittal"/> stores the same voxels
    /// as a sagittal 3-D acquisition is stored (array axes running anterior, superior, right: 40x6x48), with its affine;
    /// <paramref name="leftward"/> stores them with x running to the patient's left, as DICOM and LAS NIfTI do.
    /// </summary>
    /// <param name="texture">Shifts the head's texture: another subject's scan has other bytes (the same bytes are one scan, whatever its name).</param>
    private (string Image, string Mask) LesionVolume(string name, double[]? maskAffine = null, bool sagittal = false, bool leftward = false, int texture = 0)
    {
        const int w = 48, h = 40, d = 6;
        var image = new float[w * h * d];
        var mask = new float[w * h * d];
        for (int z = 0; z < d; z++)
        {
            for (int y = 0; y < h; y++)
            {
                for (int x = 0; x < w; x++)
                {
                    int column = leftward ? w - 1 - x : x;
                    int p = sagittal ? y + (h * (z + (d * x))) : column + (w * (y + (h * z)));
                    bool head = Math.Pow((x - 24) / 20.0, 2) + Math.Pow((y - 20) / 16.0, 2) < 1;
                    bool lesion = z is 2 or 3 && x >= 30 && x < 36 && y >= 6 && y < 12;
                    image[p] = lesion ? 400 : head ? 100 + ((x + texture) % 7) : 0;
                    mask[p] = lesion ? 1 : 0;
                }
            }
        }

        double[] affine = sagittal ? [0, 0, 1, -24, 1, 0, 0, -20, 0, 1, 0, 0, 0, 0, 0, 1]
            : leftward ? [-1, 0, 0, w - 1 - 24, 0, 1, 0, -20, 0, 0, 1, 0, 0, 0, 0, 1]
            : [1, 0, 0, -24, 0, 1, 0, -20, 0, 0, 1, 0, 0, 0, 0, 1];
        var (width, height, depth) = sagittal ? (h, d, w) : (w, h, d);
        string folder = sagittal ? "sagittal/" : leftward ? "leftward/" : string.Empty;
        return (ScanFiles.Nifti(At($"{folder}anomalous/{name}.nii"), image, width, height, depth, affine),
            ScanFiles.Nifti(At($"{folder}masks/{name}.nii"), mask, width, height, depth, maskAffine ?? affine));
    }

    [Theory]
    [InlineData(SliceOrientation.Display)]
    [InlineData(SliceOrientation.ReferenceArray)]
    public void Slices_of_an_anomalous_volume_with_a_lesion_become_cases_with_their_mask_laid_out_like_the_image(SliceOrientation orientation)
    {
        LesionVolume("sub-01_T1w");

        var sets = GivenSets.Resolve(null, At("anomalous"), At("masks"), Size, orientation, ModalityHint.BrainMri);
        var cases = sets.ReportingCases(TestContext.Current.CancellationToken);

        Assert.Equal(["anomalous-sub-01_T1w-z002", "anomalous-sub-01_T1w-z003"], cases.Select(c => c.Id));
        Assert.All(cases, c =>
        {
            // The lesion is the brightest structure: wherever the image lies after the layout, its mask must lie there too.
            int brightest = Enumerable.Range(0, c.Input.Length).MaxBy(p => c.Input[p]);
            Assert.True(c.Truth[brightest], $"{c.Id}: the lesion's brightest pixel is outside the truth mask");
            Assert.Equal(At("masks/sub-01_T1w.nii"), c.TruthSource);
            Assert.True(c.IsAnomalous);
        });
        var file = Assert.Single(sets.Built.Files);
        Assert.Equal(("brain-mri", 4), (file.Preset, file.SlicesWithoutLesion));
    }

    [Theory]
    [InlineData(SliceOrientation.Display)]
    [InlineData(SliceOrientation.ReferenceArray)]
    public void A_sagittally_stored_volume_and_its_mask_give_the_cases_of_the_same_volume_stored_axially(SliceOrientation orientation)
    {
        LesionVolume("sub-01_T1w");
        LesionVolume("sub-01_T1w", sagittal: true);

        var axial = GivenSets.Resolve(null, At("anomalous"), At("masks"), Size, orientation, ModalityHint.BrainMri).ReportingCases(TestContext.Current.CancellationToken);
        var sagittal = GivenSets.Resolve(null, At("sagittal/anomalous"), At("sagittal/masks"), Size, orientation, ModalityHint.BrainMri).ReportingCases(TestContext.Current.CancellationToken);

        // The preset cuts the sagittal volume's axial slices, and each truth mask is cut from the mask the same way.
        Assert.Equal(axial.Select(c => c.Id), sagittal.Select(c => c.Id));
        Assert.Equal(axial.Select(c => c.Input), sagittal.Select(c => c.Input));
        Assert.Equal(axial.Select(c => c.Truth), sagittal.Select(c => c.Truth));
    }

    [Fact]
    public void A_volume_stored_with_columns_to_the_patients_left_and_its_mask_give_the_cases_of_the_ras_one()
    {
        LesionVolume("sub-01_T1w");
        LesionVolume("sub-01_T1w", leftward: true);

        var ras = GivenSets.Resolve(null, At("anomalous"), At("masks"), Size, SliceOrientation.Display, ModalityHint.BrainMri).ReportingCases(TestContext.Current.CancellationToken);
        var las = GivenSets.Resolve(null, At("leftward/anomalous"), At("leftward/masks"), Size, SliceOrientation.Display, ModalityHint.BrainMri).ReportingCases(TestContext.Current.CancellationToken);

        // The display layout flips the leftward columns for the model, and each truth mask with them.
        Assert.Equal(ras.Select(c => c.Input), las.Select(c => c.Input));
        Assert.Equal(ras.Select(c => c.Truth), las.Select(c => c.Truth));
    }

    [Fact]
    public void The_manifest_and_the_fingerprints_of_given_sets_stop_once_cancelled()
    {
        ScanFiles.PngWithLesion(ScanFiles.IxiSlice(0), At("anomalous/a.png"), At("masks/a.png"), 90, 100, 12);
        var sets = GivenSets.Resolve(null, At("anomalous"), At("masks"), Size, SliceOrientation.Display, ModalityHint.BrainMri);
        var cases = sets.TuningCases(TestContext.Current.CancellationToken);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.Throws<OperationCanceledException>(() => sets.ManifestJson(tuning: true, cases, cancelled.Token));
        Assert.Throws<OperationCanceledException>(() => sets.TuningSubjects(cancelled.Token));
    }

    [Fact]
    public void Png_scans_pair_with_png_masks_by_name_stem_and_healthy_scans_are_used_as_given()
    {
        ScanFiles.PngWithLesion(ScanFiles.IxiSlice(0), At("anomalous/a.png"), At("masks/a.png"), 90, 100, 12);
        ScanFiles.PngWithLesion(ScanFiles.IxiSlice(1), At("anomalous/b.png"), At("masks/b.png"), 70, 120, 8);
        Directory.CreateDirectory(At("healthy"));
        File.Copy(ScanFiles.IxiSlice(2), At("healthy/" + Path.GetFileName(ScanFiles.IxiSlice(2))));

        var sets = GivenSets.Resolve(At("healthy"), At("anomalous"), At("masks"), Size, SliceOrientation.Display, ModalityHint.BrainMri);
        var cases = sets.ReportingCases(TestContext.Current.CancellationToken);

        Assert.Equal([At("masks/a.png"), At("masks/b.png")], sets.MaskFiles);
        var healthy = Assert.Single(cases, c => !c.IsAnomalous);
        // A flat folder's cases are named by their file names, as before nested folders were named by their paths.
        Assert.Equal(["anomalous-a", "anomalous-b", $"healthy-{Path.GetFileNameWithoutExtension(ScanFiles.IxiSlice(2))}"], cases.Select(c => c.Id).Order(StringComparer.Ordinal));
        Assert.Equal(new BrainMriPreset { ModelSize = Size }.Prepare(ScanReader.ReadFile(ScanFiles.IxiSlice(2)), TestContext.Current.CancellationToken).Slices[0].Pixels, healthy.Input);
        Assert.All(cases.Where(c => c.IsAnomalous), c => Assert.InRange(c.TruthArea, 1, 20));
        Assert.Equal("subjects where a file name carries a sub-<id>, else files", sets.BootstrapGroups);
    }

    [Fact]
    public void Scans_of_one_name_in_each_patient_s_folder_are_cases_of_their_own_traced_to_their_files_and_rebuild_exactly()
    {
        // As DICOM exports lay out a set: a folder per patient, each holding a file of the same name; masks paired by a
        // pairs manifest (a mask folder cannot pair images of one stem).
        for (int i = 0; i < 2; i++)
        {
            Directory.CreateDirectory(At($"healthy/p{i}"));
            File.Copy(ScanFiles.IxiSlice(i), At($"healthy/p{i}/IM0001.png"));
            ScanFiles.PngWithLesion(ScanFiles.IxiSlice(2 + i), At($"data/anomalous/p{i}/IM0001.png"), At($"data/masks/p{i}/IM0001.png"), 90, 100, 12);
        }

        File.WriteAllText(At("data/pairs.csv"), "anomalous/p0/IM0001.png,masks/p0/IM0001.png\nanomalous/p1/IM0001.png,masks/p1/IM0001.png\n");
        string Manifest(string name)
        {
            var sets = GivenSets.Resolve(At("healthy"), At("data/anomalous"), At("data/pairs.csv"), Size, SliceOrientation.Display, ModalityHint.BrainMri);
            File.WriteAllText(At(name), sets.ManifestJson(tuning: false, sets.ReportingCases(TestContext.Current.CancellationToken), TestContext.Current.CancellationToken));
            return At(name);
        }

        string written = Manifest("reporting-set.json");
        string rebuilt = Manifest("rebuilt-set.json");

        Assert.Equal(File.ReadAllText(written), File.ReadAllText(rebuilt));
        using var manifest = System.Text.Json.JsonDocument.Parse(File.ReadAllText(written));
        var root = manifest.RootElement;
        var ids = root.GetProperty("cases").EnumerateArray().Select(c => c.GetProperty("Id").GetString()).ToList();
        Assert.Equal(["healthy-p0/IM0001", "healthy-p1/IM0001", "anomalous-p0/IM0001", "anomalous-p1/IM0001"], ids);
        Assert.Equal(
            ["p0/IM0001.png", "p1/IM0001.png", "p0/IM0001.png", "p1/IM0001.png"],
            root.GetProperty("cases").EnumerateArray().Select(c => c.GetProperty("source").GetString()));
        // Every source and mask is named by its path below its set's folder, so the recorded hash is that file's.
        foreach (var (set, folder) in new[] { ("healthy", At("healthy")), ("anomalous", At("data/anomalous")) })
        {
            Assert.All(root.GetProperty(set).EnumerateArray(), f => Assert.Equal(
                Sha256Of(Path.Combine(folder, f.GetProperty("file").GetString()!)), f.GetProperty("sha256").GetString()));
        }

        Assert.All(root.GetProperty("anomalous").EnumerateArray(), f => Assert.Equal(
            Sha256Of(Path.Combine(At("data/masks"), f.GetProperty("mask").GetString()!)), f.GetProperty("maskSha256").GetString()));
    }

    [Fact]
    public void A_pairs_manifest_pairs_scans_with_masks_of_other_names()
    {
        ScanFiles.PngWithLesion(ScanFiles.IxiSlice(0), At("data/volume-0.png"), At("data/labels/segmentation-0.png"), 90, 100, 12);
        File.WriteAllText(At("data/pairs.csv"), "# image,mask\nvolume-0.png,labels/segmentation-0.png\n");

        var sets = GivenSets.Resolve(null, At("data/volume-0.png"), At("data/pairs.csv"), Size, SliceOrientation.Display, ModalityHint.BrainMri);

        Assert.Equal([Path.GetFullPath(At("data/labels/segmentation-0.png"))], sets.MaskFiles);
        Assert.Single(sets.ReportingCases(TestContext.Current.CancellationToken));
    }

    [Fact]
    public void A_liver_ct_model_prepares_given_volumes_with_the_ct_preset_and_its_slice_selection()
    {
        string ct = ScanFiles.CtSlab(At("healthy/ct.nii"), 40, 8);

        var sets = GivenSets.Resolve(At("healthy"), null, null, Size, SliceOrientation.Display, ModalityHint.LiverCt);
        var cases = sets.ReportingCases(TestContext.Current.CancellationToken);

        var expected = new CtPreset { ModelSize = Size }.Prepare(ScanReader.ReadFile(ct), TestContext.Current.CancellationToken);
        Assert.Equal("ct", Assert.Single(sets.Built.Files).Preset);
        Assert.Equal(expected.Slices.Select(s => s.Pixels), cases.Select(c => c.Input));
        Assert.Equal(expected.Slices.Select(s => $"healthy-ct-z{s.SourceSlice:D3}"), cases.Select(c => c.Id));
    }

    [Fact]
    public void A_cancelled_build_stops_before_reading_a_scan_and_keeps_nothing_for_the_next_call()
    {
        LesionVolume("sub-01_T1w");
        var sets = GivenSets.Resolve(null, At("anomalous"), At("masks"), Size, SliceOrientation.Display, ModalityHint.BrainMri);
        // The mask is unreadable: a build that went on despite the cancellation would fail on it instead.
        string mask = At("masks/sub-01_T1w.nii");
        byte[] bytes = File.ReadAllBytes(mask);
        File.WriteAllText(mask, "not a scan");
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => sets.ReportingCases(cancellation.Token));

        // The cancellation is not kept as the set's outcome: the next build reads the scans.
        File.WriteAllBytes(mask, bytes);
        Assert.NotEmpty(sets.ReportingCases(TestContext.Current.CancellationToken));
    }

    [Fact]
    public void An_anomalous_scan_without_a_mask_is_refused_naming_it()
    {
        LesionVolume("sub-01_T1w");
        LesionVolume("sub-02_T1w");
        File.Delete(At("masks/sub-02_T1w.nii"));

        var e = Assert.Throws<EvaluationSetException>(() => GivenSets.Resolve(null, At("anomalous"), At("masks"), Size, SliceOrientation.Display, ModalityHint.BrainMri));

        Assert.Equal((EvaluationSetProblem.MissingMask, At("anomalous/sub-02_T1w.nii")), (e.Problem, e.File));
    }

    [Fact]
    public void A_mask_on_another_grid_is_refused_naming_it()
    {
        // The shared CT's segmentation covers only its first 30 of 112 slices.
        string seg = Path.Combine(TestPaths.Data, "formats", "ct-abdomen", "example_seg.nii.gz");
        Directory.CreateDirectory(scratch.Location);
        string pairs = At("pairs.csv");
        File.WriteAllText(pairs, $"{ScanFiles.AbdominalCt},{seg}\n");

        var sets = GivenSets.Resolve(null, ScanFiles.AbdominalCt, pairs, Size, SliceOrientation.Display, ModalityHint.LiverCt);
        var e = Assert.Throws<EvaluationSetException>(() => sets.ReportingCases(TestContext.Current.CancellationToken));

        Assert.Equal((EvaluationSetProblem.MaskGridMismatch, seg), (e.Problem, e.File));
        Assert.Contains("122x101x30", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_mask_of_the_right_size_placed_elsewhere_in_space_is_refused()
    {
        LesionVolume("sub-01_T1w", maskAffine: [1, 0, 0, -24, 0, 1, 0, -10, 0, 0, 1, 0, 0, 0, 0, 1]);

        var sets = GivenSets.Resolve(null, At("anomalous"), At("masks"), Size, SliceOrientation.Display, ModalityHint.BrainMri);
        var e = Assert.Throws<EvaluationSetException>(() => sets.ReportingCases(TestContext.Current.CancellationToken));

        Assert.Equal((EvaluationSetProblem.MaskGridMismatch, At("masks/sub-01_T1w.nii")), (e.Problem, e.File));
    }

    [Fact]
    public void An_empty_anomalous_set_is_refused_whether_it_names_no_file_or_no_slice_has_a_lesion()
    {
        Directory.CreateDirectory(At("nothing"));
        Directory.CreateDirectory(At("masks"));
        var none = Assert.Throws<EvaluationSetException>(() => GivenSets.Resolve(null, At("nothing"), At("masks"), Size, SliceOrientation.Display, ModalityHint.BrainMri));
        Assert.Equal((EvaluationSetProblem.EmptyAnomalousSet, At("nothing")), (none.Problem, none.File));

        // A volume whose mask marks nothing: its slices are left out, and then there is nothing anomalous to report on.
        var (_, mask) = LesionVolume("sub-01_T1w");
        ScanFiles.Nifti(mask, new float[48 * 40 * 6], 48, 40, 6, [1, 0, 0, -24, 0, 1, 0, -20, 0, 0, 1, 0, 0, 0, 0, 1]);
        var sets = GivenSets.Resolve(null, At("anomalous"), At("masks"), Size, SliceOrientation.Display, ModalityHint.BrainMri);
        var empty = Assert.Throws<EvaluationSetException>(() => sets.ReportingCases(TestContext.Current.CancellationToken));
        Assert.Equal((EvaluationSetProblem.EmptyAnomalousSet, At("anomalous")), (empty.Problem, empty.File));
        Assert.StartsWith("No slice of --anomalous that the preset selects", empty.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(At("anomalous"), empty.Message, StringComparison.Ordinal); // told by its option: paths can carry patient names
    }

    [Fact]
    public void A_single_image_with_an_empty_mask_is_refused_naming_the_mask()
    {
        ScanFiles.PngWithLesion(ScanFiles.IxiSlice(0), At("anomalous/a.png"), At("masks/a.png"), 90, 100, 0);

        var sets = GivenSets.Resolve(null, At("anomalous"), At("masks"), Size, SliceOrientation.Display, ModalityHint.BrainMri);
        var e = Assert.Throws<EvaluationSetException>(() => sets.ReportingCases(TestContext.Current.CancellationToken));

        Assert.Equal((EvaluationSetProblem.EmptyMask, At("masks/a.png")), (e.Problem, e.File));
    }

    [Fact]
    public void Masks_inside_the_anomalous_folder_and_a_scan_in_both_sets_are_refused()
    {
        ScanFiles.PngWithLesion(ScanFiles.IxiSlice(0), At("anomalous/a.png"), At("anomalous/masks/a.png"), 90, 100, 12);
        var inside = Assert.Throws<EvaluationSetException>(() => GivenSets.Resolve(null, At("anomalous"), At("anomalous/masks"), Size, SliceOrientation.Display, ModalityHint.BrainMri));
        Assert.Equal(EvaluationSetProblem.MaskAmongImages, inside.Problem);

        ScanFiles.PngWithLesion(ScanFiles.IxiSlice(0), At("scans/a.png"), At("masks/a.png"), 90, 100, 12);
        var both = Assert.Throws<EvaluationSetException>(() => GivenSets.Resolve(At("scans"), At("scans/a.png"), At("masks"), Size, SliceOrientation.Display, ModalityHint.BrainMri));
        Assert.Equal((EvaluationSetProblem.InBothSets, At("scans/a.png")), (both.Problem, both.File));
    }

    [Fact]
    public void Subjects_tuned_on_are_recognised_in_another_set_by_their_fingerprints()
    {
        LesionVolume("sub-01_T1w");
        LesionVolume("sub-02_T1w", texture: 1);
        var tuned = GivenSets.Resolve(null, At("anomalous/sub-01_T1w.nii"), At("masks"), Size, SliceOrientation.Display, ModalityHint.BrainMri).TuningSubjects(TestContext.Current.CancellationToken);

        var reporting = GivenSets.Resolve(null, At("anomalous"), At("masks"), Size, SliceOrientation.Display, ModalityHint.BrainMri);

        Assert.Equal(1, reporting.ReportingSubjectsTunedOn(tuned, TestContext.Current.CancellationToken));
        Assert.Equal(0, reporting.ReportingSubjectsTunedOn(null, TestContext.Current.CancellationToken));
        Assert.Equal("subjects (the sub-<id> in each file name)", reporting.BootstrapGroups);
    }

    [Fact]
    public void A_reporting_set_whose_patient_folders_repeat_the_tuning_sets_file_names_is_not_taken_for_the_tuning_set()
    {
        foreach (var file in new[] { "tuning/p1/T1.png", "tuning/p2/T1.png", "reporting/p3/T1.png", "reporting/p4/T1.png" })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(At(file))!);
            File.WriteAllText(At(file), file); // four patients, four scans: resolving decodes none of them
        }

        var tuned = GivenSets.Resolve(At("tuning"), null, null, Size, SliceOrientation.Display, ModalityHint.BrainMri).TuningSubjects(TestContext.Current.CancellationToken);
        var reporting = GivenSets.Resolve(At("reporting"), null, null, Size, SliceOrientation.Display, ModalityHint.BrainMri);

        Assert.Equal(2, tuned.Count);
        Assert.Equal(0, reporting.ReportingSubjectsTunedOn(tuned, TestContext.Current.CancellationToken));
    }

    [Fact]
    public void A_file_without_a_subject_id_is_recognised_when_evaluated_in_a_smaller_set_than_it_was_tuned_in()
    {
        // Tuned with --healthy d/h --anomalous d/a, evaluated with --anomalous d/a only: the common folder of the set
        // changes from d to d/a, and with it any name taken from the file's path.
        ScanFiles.PngWithLesion(ScanFiles.IxiSlice(0), At("d/a/y.png"), At("d/masks/y.png"), 90, 100, 12);
        ScanFiles.PngWithLesion(ScanFiles.IxiSlice(1), At("d/a/z.png"), At("d/masks/z.png"), 70, 120, 8);
        Directory.CreateDirectory(At("d/h"));
        File.Copy(ScanFiles.IxiSlice(2), At("d/h/x.png"));
        var tuned = GivenSets.Resolve(At("d/h"), At("d/a"), At("d/masks"), Size, SliceOrientation.Display, ModalityHint.BrainMri).TuningSubjects(TestContext.Current.CancellationToken);

        var anomalousOnly = GivenSets.Resolve(null, At("d/a"), At("d/masks"), Size, SliceOrientation.Display, ModalityHint.BrainMri);

        Assert.Equal(3, tuned.Count);
        Assert.Equal(2, anomalousOnly.ReportingSubjectsTunedOn(tuned, TestContext.Current.CancellationToken));
    }

    [Fact]
    public void A_copy_of_a_tuned_file_under_another_name_and_folder_is_still_the_subject_tuned_on()
    {
        ScanFiles.PngWithLesion(ScanFiles.IxiSlice(0), At("tuning/y.png"), At("tuning-masks/y.png"), 90, 100, 12);
        var tuned = GivenSets.Resolve(null, At("tuning"), At("tuning-masks"), Size, SliceOrientation.Display, ModalityHint.BrainMri).TuningSubjects(TestContext.Current.CancellationToken);
        Directory.CreateDirectory(At("elsewhere/patients"));
        File.Copy(At("tuning/y.png"), At("elsewhere/patients/renamed.png"));
        File.Copy(ScanFiles.IxiSlice(3), At("elsewhere/patients/other.png"));

        var reporting = GivenSets.Resolve(At("elsewhere"), null, null, Size, SliceOrientation.Display, ModalityHint.BrainMri);

        Assert.Equal(1, reporting.ReportingSubjectsTunedOn(tuned, TestContext.Current.CancellationToken));
    }
}
