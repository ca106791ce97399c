using Synomaly.Contracts;
using Synomaly.Imaging.Presets;
using Synomaly.Testing;

namespace Synomaly.Evaluation.Tests;

/// <summary>
/// Refusals of given and built evaluation sets point at a file by its option and position ("file 2 of 2 in --anomalous",
/// a manifest's line), never by its path or name: folder and file names can carry patient names, and these lines are
/// pasted into tickets. Every set here lies in a folder named like a patient, which no message may quote.
/// </summary>
public sealed class PatientSafeSetMessagesTests : IDisposable
{
    private const int Size = 32;
    private const string Patient = "Doe_Jane";

    private readonly ScratchDirectory scratch = new("patient-safe-sets");

    public void Dispose() => scratch.Dispose();

    private string At(string relative) => Path.Combine(scratch.Location, Patient, relative);

    /// <summary>An empty file: pairing reads no file, it only looks for them.</summary>
    private string Touch(string relative) => scratch.Touch(Path.Combine(Patient, relative));

    private string Manifest(params string[] lines)
    {
        string path = At("pairs.csv");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllLines(path, lines);
        return path;
    }

    private static string Refusal(Action build)
    {
        var e = Assert.Throws<EvaluationSetException>(build);
        Assert.DoesNotContain(Patient, e.Message, StringComparison.Ordinal);
        return e.Message;
    }

    private static string Pair(IReadOnlyList<string> images, string masks) => Refusal(() => TruthMaskFiles.Pair(images, masks));

    [Fact]
    public void A_masks_input_that_is_neither_folder_nor_manifest_is_told_by_its_option()
    {
        Assert.Equal(
            "--masks names neither a folder of masks nor a .csv/.tsv manifest of image,mask pairs.",
            Pair([Touch("anomalous/Doe_Jane_1.png")], At("no-such-masks")));
    }

    [Fact]
    public void Pairing_by_stem_tells_each_image_by_its_position_in_anomalous()
    {
        string first = Touch("anomalous/Doe_Jane_1.png"), second = Touch("anomalous/Doe_Jane_2.png");
        Touch("masks/Doe_Jane_1.png");

        Assert.Equal(
            "file 2 of 2 in --anomalous has no mask: no file in the --masks folder has its name stem (its name without the extension).",
            Pair([first, second], At("masks")));

        Touch("masks/Doe_Jane_2.png");
        Touch("masks/Doe_Jane_2.nii");
        Assert.Equal(
            "The --masks folder holds 2 files with the name stem of file 2 of 2 in --anomalous (other extensions or subfolders): keep one.",
            Pair([first, second], At("masks")));

        File.Delete(At("masks/Doe_Jane_2.nii"));
        string again = Touch("anomalous/other/Doe_Jane_1.png");
        Assert.Equal(
            "file 1 of 3 in --anomalous and file 3 share a name stem (the name without its extension), so a mask folder cannot tell their masks apart: rename one, or pair them in a .csv manifest.",
            Pair([first, second, again], At("masks")));

        Assert.Equal(
            "file 3 of 3 in --anomalous lies inside the --masks folder: keep masks and images in separate folders, or masks would be read as images.",
            Pair([first, second, Touch("masks/Doe_Jane_3.png")], At("masks")));
    }

    [Fact]
    public void Pairing_by_manifest_tells_lines_by_number_and_images_by_position()
    {
        string first = Touch("anomalous/Doe_Jane_1.png"), second = Touch("anomalous/Doe_Jane_2.png");
        Touch("masks/Doe_Jane_1.png");

        Assert.Equal(
            "Line 2 of the --masks manifest is not one image and one mask separated by a comma.",
            Pair([first], Manifest("# image,mask", "anomalous/Doe_Jane_1.png")));
        Assert.Equal(
            "Line 3 of the --masks manifest pairs an image that line 1 pairs already: give each image one mask.",
            Pair([first], Manifest("anomalous/Doe_Jane_1.png,masks/Doe_Jane_1.png", "", "anomalous/Doe_Jane_1.png,masks/Doe_Jane_2.png")));
        Assert.Equal(
            "file 2 of 2 in --anomalous has no line in the --masks manifest.",
            Pair([first, second], Manifest("anomalous/Doe_Jane_1.png,masks/Doe_Jane_1.png")));
        Assert.Equal(
            "The mask on line 2 of the --masks manifest (for file 2 of 2 in --anomalous) does not exist.",
            Pair([first, second], Manifest("anomalous/Doe_Jane_1.png,masks/Doe_Jane_1.png", "anomalous/Doe_Jane_2.png,masks/Doe_Jane_2.png")));
        Assert.Equal(
            "The mask on line 1 of the --masks manifest is also one of the --anomalous files: keep masks out of the image set.",
            Pair([first, second], Manifest("anomalous/Doe_Jane_1.png,anomalous/Doe_Jane_2.png", "anomalous/Doe_Jane_2.png,masks/Doe_Jane_1.png")));
    }

    [Fact]
    public void A_scan_or_mask_also_in_healthy_is_told_by_its_position_in_anomalous()
    {
        Touch("scans/Doe_Jane_1.png");
        Touch("scans/Doe_Jane_2.png");
        Touch("masks/Doe_Jane_1.png");
        Touch("masks/Doe_Jane_2.png");

        Assert.Equal(
            "file 1 of 2 in --anomalous is also in --healthy: a scan is one or the other.",
            Refusal(() => GivenSets.Resolve(At("scans"), At("scans"), At("masks"), Size, SliceOrientation.Display, ModalityHint.BrainMri)));

        Touch("anomalous/Doe_Jane_2.png");
        Assert.Equal(
            "The mask of file 1 of 1 in --anomalous is also in --healthy: keep masks out of the healthy set.",
            Refusal(() => GivenSets.Resolve(At("masks"), At("anomalous"), At("masks"), Size, SliceOrientation.Display, ModalityHint.BrainMri)));
    }

    [Fact]
    public void An_empty_mask_and_a_mask_on_another_grid_are_told_by_the_image_s_position()
    {
        ScanFiles.PngWithLesion(ScanFiles.IxiSlice(0), At("anomalous/Doe_Jane_1.png"), At("masks/Doe_Jane_1.png"), 90, 100, 0);
        var empty = GivenSets.Resolve(null, At("anomalous"), At("masks"), Size, SliceOrientation.Display, ModalityHint.BrainMri);

        Assert.Equal(
            $"The mask of file 1 of 1 in --anomalous marks no lesion on the {Size}x{Size} model grid (any non-zero pixel is lesion).",
            Refusal(() => empty.ReportingCases(TestContext.Current.CancellationToken)));

        File.Delete(At("masks/Doe_Jane_1.png"));
        ScanFiles.Nifti(At("masks/Doe_Jane_1.nii"), new float[4 * 4], 4, 4, 1, [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
        var mismatched = GivenSets.Resolve(null, At("anomalous"), At("masks"), Size, SliceOrientation.Display, ModalityHint.BrainMri);
        Assert.StartsWith(
            "The mask of file 1 of 1 in --anomalous does not lie on its image's grid: it is a Nifti file and its image a Png file",
            Refusal(() => mismatched.ReportingCases(TestContext.Current.CancellationToken)),
            StringComparison.Ordinal);
    }

    [Fact]
    public void A_volume_in_a_set_of_slices_is_told_by_its_position_in_the_input()
    {
        string volume = ScanFiles.Nifti(At("val/Doe_Jane_1.nii"), new float[8 * 8 * 3], 8, 8, 3, [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
        var builder = new EvaluationSetBuilder([], Size, lesionsPerSlice: 1, baseSeed: 0, set: "--data");

        var e = Assert.Throws<InvalidDataException>(() => builder.Build([volume], cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal("file 1 of 1 in --data holds 3 slices; evaluation sets are built from 2-D slices (one per file).", e.Message);
    }
}
