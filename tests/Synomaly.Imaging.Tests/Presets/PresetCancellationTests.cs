using System.Diagnostics;
using Synomaly.Contracts;
using Synomaly.Imaging.Presets;
using Synomaly.Imaging.Volumes;

namespace Synomaly.Imaging.Tests.Presets;

/// <summary>
/// A cancel while a preset prepares a volume is seen at the next slice, not once the whole volume is done: preparing a
/// 512x512x300 CT took about 3 s on the 2-core build machine (a 256^3 brain volume about 1 s), during which the worker's
/// shutdown deadline and Ctrl-C in <c>synomaly train</c> went unseen.
/// </summary>
public sealed class PresetCancellationTests
{
    /// <summary>A body-like ellipse of soft tissue (40 HU, or 500 for MR) in air, the same on every slice.</summary>
    private static Volume Body(int width, int height, int depth, Modality modality)
    {
        var slice = new float[width * height];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                double u = (x - (width / 2.0)) / (width / 2.0), v = (y - (height / 2.0)) / (height / 2.0);
                bool inside = (u * u / 0.8) + (v * v / 0.5) < 1;
                slice[(y * width) + x] = inside ? (modality == Modality.CT ? 40 + (x % 7) : 500 + (x % 7)) : (modality == Modality.CT ? -1000 : 0);
            }
        }

        var voxels = new float[(long)width * height * depth];
        for (int z = 0; z < depth; z++)
        {
            slice.CopyTo(voxels.AsSpan(z * slice.Length));
        }

        return new Volume(voxels, width, height, depth, VolumeGeometry.Unit(), modality, new VolumeProvenance { Format = ScanFormat.Nifti });
    }

    public static TheoryData<string> Presets => ["brain", "ct", "ultrasound"];

    private static IModalityPreset Preset(string name) => name switch
    {
        "ct" => new CtPreset { ModelSize = 32 },
        "ultrasound" => new UltrasoundPreset { ModelSize = 32 },
        _ => new BrainMriPreset { ModelSize = 32 },
    };

    [Theory]
    [MemberData(nameof(Presets))]
    public void Every_preset_stops_at_a_cancelled_token_and_prepares_when_it_is_not(string name)
    {
        var volume = Body(64, 64, 8, name == "ct" ? Modality.CT : Modality.MR);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.Throws<OperationCanceledException>(() => Preset(name).Prepare(volume, cancelled.Token));
        Assert.Throws<OperationCanceledException>(() => ScanPreparation.Prepare(Preset(name), volume, cancelled.Token));
        Assert.Equal(8, ScanPreparation.Prepare(Preset(name), volume, TestContext.Current.CancellationToken).Slices.Count);
    }

    [Fact]
    public void A_cancel_while_a_large_ct_volume_is_prepared_stops_the_preparation_before_its_end()
    {
        var volume = Body(512, 512, 300, Modality.CT);
        var preset = new CtPreset();
        var whole = Stopwatch.StartNew();
        Assert.Equal(300, preset.Prepare(volume, TestContext.Current.CancellationToken).Slices.Count);
        whole.Stop();

        // Cancelled a quarter of the way through: a check per slice sees it within one slice. Without one the preparation
        // returns all 300 slices; only a run four times faster than the first could finish before the cancel.
        using var cancel = new CancellationTokenSource(whole.Elapsed / 4);
        var cancelled = Stopwatch.StartNew();
        Assert.Throws<OperationCanceledException>(() => preset.Prepare(volume, cancel.Token));
        Assert.True(cancelled.Elapsed < whole.Elapsed, $"stopped after {cancelled.Elapsed}, the whole preparation took {whole.Elapsed}");
    }

    [Fact]
    public void A_cancel_while_a_large_sagittal_volume_is_reoriented_stops_the_copy_before_its_end()
    {
        // 512 x 256 x 256 voxels stored as dcm2niix writes a sagittal series (axes anterior, superior, right): every voxel
        // is copied into axial order before the first slice is prepared, a pass the per-slice checks came only after.
        var affine = new double[] { 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1 };
        var volume = new Volume(new float[512 * 256 * 256], 512, 256, 256, new VolumeGeometry(1, 1, 1, affine), Modality.MR, new VolumeProvenance { Format = ScanFormat.Nifti });
        var whole = Stopwatch.StartNew();
        Assert.True(AxialReorientation.Of(volume, TestContext.Current.CancellationToken).IsReoriented);
        whole.Stop();

        // Cancelled an eighth of the way through: without a check inside the copy it returns the whole volume; only a run
        // eight times faster than the first could finish before the cancel (margin for a loaded machine).
        using var cancel = new CancellationTokenSource(whole.Elapsed / 8);
        var cancelled = Stopwatch.StartNew();
        Assert.Throws<OperationCanceledException>(() => AxialReorientation.Of(volume, cancel.Token));
        Assert.True(cancelled.Elapsed < whole.Elapsed, $"stopped after {cancelled.Elapsed}, the whole reorientation took {whole.Elapsed}");
    }
}
