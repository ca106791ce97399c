using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Synomaly.Imaging.Nifti;
using Synomaly.Imaging.Reading;
using Synomaly.Testing;

namespace Synomaly.Cli.Tests;

/// <summary>Scans written for the tune and evaluate tests: IXI slices with a painted lesion and its mask, and slices of the shared abdominal CT.</summary>
internal static class EvaluationScans
{
    public static string AbdominalCt => Path.Combine(TestPaths.Data, "formats", "ct-abdomen", "example_ct.nii.gz");

    public static string IxiSlice(int index) =>
        Directory.GetFiles(Path.Combine(TestPaths.Data, "brain-mri-ixi-t1", "val"), "*.png").Order(StringComparer.Ordinal).ElementAt(index);

    /// <summary>IXI slice <paramref name="index"/> under its own name in <paramref name="images"/>, with a bright 12-pixel square lesion, and its mask under the same name in <paramref name="masks"/>.</summary>
    public static void IxiWithLesion(int index, string images, string masks)
    {
        string name = Path.GetFileName(IxiSlice(index));
        Directory.CreateDirectory(images);
        Directory.CreateDirectory(masks);
        using var picture = Image.Load<L8>(IxiSlice(index));
        using var truth = new Image<L8>(picture.Width, picture.Height);
        for (int y = 100; y < 112; y++)
        {
            for (int x = 90; x < 102; x++)
            {
                picture[x, y] = new L8(255);
                truth[x, y] = new L8(255);
            }
        }

        picture.SaveAsPng(Path.Combine(images, name));
        truth.SaveAsPng(Path.Combine(masks, name));
    }

    /// <summary><paramref name="count"/> slices of the shared CT from <paramref name="first"/> on, as one volume (a single slice when count is 1), with its header's geometry.</summary>
    public static string CtSlices(string path, int first, int count)
    {
        var ct = ScanReader.ReadFile(AbdominalCt);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var stream = File.Create(path);
        NiftiWriter.Write(stream, ct.Voxels.AsSpan(first * ct.SliceLength, count * ct.SliceLength), ct.Width, ct.Height, count, NiftiGeometry.ForVolume(ct), NiftiDataType.Float32, gzip: false, description: "");
        return path;
    }
}
