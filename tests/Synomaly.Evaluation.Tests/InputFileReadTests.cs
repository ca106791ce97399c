using Synomaly.Contracts;
using Synomaly.Imaging.Dicom;
using Synomaly.Imaging.Presets;
using Synomaly.Imaging.Reading;
using Synomaly.Imaging.Volumes;
using Synomaly.Testing;

namespace Synomaly.Evaluation.Tests;

/// <summary>
/// A file of an input that was listed but cannot be read later, when it is hashed or decoded: refused by the option the
/// input was given to (<see cref="InputListingException.Option"/>), as a folder that cannot be listed is, never by its
/// path. Before, the bare .NET error reached the command line, which could only say "cannot read the input". Tests run as
/// root, whom no file permission stops: a link to nowhere (listed with its folder, refused when opened) stands for a file
/// without read permission, or a read that fails as .NET's does for one.
/// </summary>
public sealed class InputFileReadTests : IDisposable
{
    private const int Size = 32;

    private readonly ScratchDirectory scratch = new("input-file-read");

    public void Dispose() => scratch.Dispose();

    private string At(string relative) => scratch.At(relative);

    /// <summary>A link at <paramref name="relative"/> to a file that does not exist: listed, but not opened.</summary>
    private string LinkToNowhere(string relative)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(At(relative))!);
        File.CreateSymbolicLink(At(relative), At("gone.png"));
        return At(relative);
    }

    [Theory]
    [InlineData(false, "<input>")]
    [InlineData(true, "--region-mask")]
    public void A_training_file_or_region_mask_the_file_system_refuses_is_told_by_its_option(bool maskRefused, string option)
    {
        string image = At("Doe_Jane/one.png"), mask = At("masks/Doe_Jane/one.png");
        Volume ReadOrRefuse(string path, ScanReadOptions options) => path == (maskRefused ? mask : image)
            ? throw new UnauthorizedAccessException($"Access to the path '{path}' is denied.")
            : ScanReader.ReadFile(ScanFiles.IxiSlice(0), options);

        var refused = Assert.Throws<InputListingException>(() => TrainingSet.Load(
            [image], TrainingModality.BrainMri.Preset(Size), Size, [mask], progress: null, ReadOrRefuse, "<input>", TestContext.Current.CancellationToken));

        Assert.Equal(option, refused.Option);
        Assert.IsType<UnauthorizedAccessException>(refused.InnerException);
        Assert.DoesNotContain("Doe_Jane", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("healthy")]
    [InlineData("anomalous")]
    public void A_given_scan_that_cannot_be_read_for_its_fingerprint_is_told_by_the_set_it_was_given_to(string unreadable)
    {
        // Fingerprinted before any case is built (evaluate's check against the profile's tuning set): the one read that
        // takes both sets at once, so only the file can say which option it came from.
        ScanFiles.PngWithLesion(ScanFiles.IxiSlice(0), At("anomalous/a.png"), At("masks/a.png"), 90, 100, 12);
        Directory.CreateDirectory(At("healthy"));
        File.Copy(ScanFiles.IxiSlice(1), At("healthy/h.png"));
        LinkToNowhere($"{unreadable}/b.png");
        File.Copy(At("masks/a.png"), At("masks/b.png"));
        var sets = GivenSets.Resolve(At("healthy"), At("anomalous"), At("masks"), Size, SliceOrientation.Display, ModalityHint.BrainMri);

        var refused = Assert.Throws<InputListingException>(() => sets.ReportingSubjectsTunedOn(["0123456789abcdef"], TestContext.Current.CancellationToken));

        Assert.Equal($"--{unreadable}", refused.Option);
        Assert.IsType<FileNotFoundException>(refused.InnerException);
    }

    [Fact]
    public void A_validation_file_that_cannot_be_read_for_the_split_is_told_as_data()
    {
        // A file without a sub-<id> is its own subject, known by the hash of its bytes: the split reads it before any slice.
        Directory.CreateDirectory(At("val"));
        File.Copy(ScanFiles.IxiSlice(0), At("val/a.png"));
        string unreadable = LinkToNowhere("val/Doe_Jane.png");

        var refused = Assert.Throws<InputListingException>(() => EvaluationPlan.Create([At("val/a.png"), unreadable], null, Size, 1, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal("--data", refused.Option);
        Assert.DoesNotContain("Doe_Jane", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_set_file_that_cannot_be_decoded_for_the_file_system_is_told_by_the_set()
    {
        string unreadable = LinkToNowhere("normative/Doe_Jane.png");

        var refused = Assert.Throws<InputListingException>(() =>
            new EvaluationSetBuilder([], Size, lesionsPerSlice: 0, baseSeed: 0, set: "--normative-data").Build([unreadable], cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal("--normative-data", refused.Option);
    }

    [Fact]
    public void A_normative_file_that_cannot_be_read_for_its_bytes_is_told_by_its_own_option_among_the_sets()
    {
        // Hashed only when its length is one of the set's: the link's own length (that of its target's path, as .NET
        // reports a link to nowhere) is given to a file of the set, so that it is read.
        string unreadable = LinkToNowhere("normative/Doe_Jane.png");
        string evaluated = At("val/a.png");
        Directory.CreateDirectory(At("val"));
        File.WriteAllBytes(evaluated, new byte[new FileInfo(unreadable).Length]);

        var refused = Assert.Throws<InputListingException>(() =>
            SameFiles.CountIn([unreadable], [evaluated], file => file == unreadable ? "--normative-data" : "--data", TestContext.Current.CancellationToken));

        Assert.Equal("--normative-data", refused.Option);
        Assert.IsType<FileNotFoundException>(refused.InnerException);
    }

    [Fact]
    public void A_masks_manifest_that_cannot_be_read_is_told_as_masks()
    {
        // As a .txt manifest of images is (InputFiles): before, the bare failure said only "cannot read the input".
        string image = scratch.Touch("anomalous/a.png");
        string pairs = LinkToNowhere("Doe_Jane/pairs.csv");

        var refused = Assert.Throws<InputListingException>(() => TruthMaskFiles.Pair([image], pairs));

        Assert.Equal("--masks", refused.Option);
        Assert.DoesNotContain("Doe_Jane", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dicom_transcoder_fault_is_the_machine_s_and_is_not_told_as_the_input_s()
    {
        var fault = new DicomTranscoderFaultException("The transcoder's temporary folder is full.");

        var passed = Assert.Throws<DicomTranscoderFaultException>(() => InputReads.Guard<int>("--healthy", () => throw fault));

        Assert.Same(fault, passed);
    }
}
