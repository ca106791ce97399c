using Synomaly.Imaging.Nifti;
using Synomaly.Imaging.Reading;
using Synomaly.Testing;

namespace Synomaly.Evaluation.Tests;

public sealed class EvaluationSetBuilderTests
{
    [Fact]
    public void A_nifti_slice_shown_flipped_gets_its_truth_mask_flipped_with_it()
    {
        // A validation slice written as NIfTI with rows running anterior (RAS+ y up), which the preset flips for display.
        var png = Directory.GetFiles(Path.Combine(TestPaths.Data, "brain-mri-ixi-t1", "val"), "*.png").Order(StringComparer.Ordinal).First();
        var slice = ScanReader.ReadFile(png);
        using var scratch = new ScratchDirectory("eval-nifti");
        string nifti = Path.Combine(Directory.CreateDirectory(scratch.Location).FullName, "sub-X_slice.nii");
        using (var stream = File.Create(nifti))
        {
            var geometry = new NiftiGeometry { PixDim = [1, 1, 1, 1, 0, 0, 0, 0], SformCode = 1, SRowX = [1, 0, 0, 0], SRowY = [0, 1, 0, 0], SRowZ = [0, 0, 1, 0] };
            NiftiWriter.Write(stream, slice.Voxels, slice.Width, slice.Height, 1, geometry, NiftiDataType.Float32, gzip: false, description: "");
        }

        var cases = new EvaluationSetBuilder([], modelSize: 64, lesionsPerSlice: 4, baseSeed: 300).Build([nifti]);

        var healthy = cases[0].Input;
        Assert.All(cases.Skip(1), lesion =>
        {
            // Where the inserted lesion changed the prepared image most must be inside its truth mask.
            int strongest = Enumerable.Range(0, healthy.Length).MaxBy(p => Math.Abs(lesion.Input[p] - healthy[p]));
            Assert.True(lesion.Truth[strongest], $"{lesion.Id}: the most changed pixel {strongest} is outside the truth mask");
        });
    }
}
