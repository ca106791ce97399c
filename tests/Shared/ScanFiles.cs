using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Synomaly.Imaging.Nifti;
using Synomaly.Imaging.Reading;
using Synomaly.Imaging.Volumes;

// Compiled into Synomaly.Cli.Tests and Synomaly.Evaluation.Tests as a linked file rather than living in Synomaly.Testing:
// it needs Imaging and ImageSharp, which the other test projects must not be made to reference.
namespace Synomaly.Testing;

/// <summary>Scans and masks written for the evaluation-set, tune and evaluate tests: NIfTI volumes, IXI PNG slices with a painted lesion, CT slabs of the shared data.</summary>
internal static class ScanFiles
{
    public static string AbdominalCt => Path.Combine(TestPaths.Data, "formats", "ct-abdomen", "example_ct.nii.gz");

    public static string IxiSlice(int index) =>
        Directory.GetFiles(Path.Combine(TestPaths.Data, "brain-mri-ixi-t1", "val"), "*.png").Order(StringComparer.Ordinal).ElementAt(index);

    /// <summary>A float NIfTI volume at <paramref name="path"/> with the given RAS+ affine (row-major, 16 values).</summary>
    public static string Nifti(string path, float[] voxels, int width, int height, int depth, double[] affine)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var stream = File.Create(path);
        NiftiWriter.Write(stream, voxels, width, height, depth, NiftiGeometry.FromAffine(new VolumeGeometry(1, 1, 1, affine)), NiftiDataType.Float32, gzip: false, description: "");
        return path;
    }

    /// <summary>Slices <paramref name="first"/> to <paramref name="first"/> + <paramref name="count"/> − 1 of the shared abdominal CT as one volume (a single slice when count is 1), with its header's geometry.</summary>
    public static string CtSlab(string path, int first, int count)
    {
        var ct = ScanReader.ReadFile(AbdominalCt);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var stream = File.Create(path);
        NiftiWriter.Write(stream, ct.Voxels.AsSpan(first * ct.SliceLength, count * ct.SliceLength), ct.Width, ct.Height, count, NiftiGeometry.ForVolume(ct), NiftiDataType.Float32, gzip: false, description: "");
        return path;
    }

    /// <summary>
    /// An IXI slice with a bright square lesion at (<paramref name="x"/>, <paramref name="y"/>) written to
    /// <paramref name="image"/>, and its mask (255 on the lesion) to <paramref name="mask"/>; a size of 0 gives an empty mask.
    /// </summary>
    public static void PngWithLesion(string source, string image, string mask, int x, int y, int size)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(image)!);
        Directory.CreateDirectory(Path.GetDirectoryName(mask)!);
        using var picture = Image.Load<L8>(source);
        using var truth = new Image<L8>(picture.Width, picture.Height);
        for (int dy = 0; dy < size; dy++)
        {
            for (int dx = 0; dx < size; dx++)
            {
                picture[x + dx, y + dy] = new L8(255);
                truth[x + dx, y + dy] = new L8(255);
            }
        }

        picture.SaveAsPng(image);
        truth.SaveAsPng(mask);
    }

    /// <summary>IXI slice <paramref name="index"/> under its own name in <paramref name="images"/>, with a bright 12-pixel square lesion at (90, 100), and its mask under the same name in <paramref name="masks"/>.</summary>
    public static void IxiWithLesion(int index, string images, string masks)
    {
        string name = Path.GetFileName(IxiSlice(index));
        PngWithLesion(IxiSlice(index), Path.Combine(images, name), Path.Combine(masks, name), x: 90, y: 100, size: 12);
    }
}
