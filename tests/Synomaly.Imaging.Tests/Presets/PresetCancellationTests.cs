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
        Assert.Equal(300, preset.Prepare(volume, TestContext.Current.CancellationToken).Slices.Count);

        // Cancelled a quarter of the way through: a check per slice sees it within one slice. Without one the preparation
        // returns all 300 slices however often it is tried.
        AssertStopsPartWay(token => preset.Prepare(volume, token), fraction: 4);
    }

    [Fact]
    public void A_cancel_while_a_large_sagittal_volume_is_reoriented_stops_the_copy_before_its_end()
    {
        // 512 x 256 x 256 voxels stored as dcm2niix writes a sagittal series (axes anterior, superior, right): every voxel
        // is copied into axial order before the first slice is prepared, a pass the per-slice checks came only after.
        var affine = new double[] { 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1 };
        var volume = new Volume(new float[512 * 256 * 256], 512, 256, 256, new VolumeGeometry(1, 1, 1, affine), Modality.MR, new VolumeProvenance { Format = ScanFormat.Nifti });
        Assert.True(AxialReorientation.Of(volume, TestContext.Current.CancellationToken).IsReoriented);

        // Cancelled an eighth of the way through: without a check inside the copy it returns the whole volume every time.
        AssertStopsPartWay(token => AxialReorientation.Of(volume, token), fraction: 8);
    }

    /// <summary>
    /// Times <paramref name="work"/> warm, then runs it again with a cancel due <c>1/fraction</c> of that time in, and
    /// passes once a run stops with <see cref="OperationCanceledException"/> before the whole time. A timing can mislead
    /// (the caller's first run pays for JIT and fresh pages and was once eight times slower than the next on CI, so a cancel
    /// sized from it fired after a warm run had ended), so a run that finishes before its cancel is tried again with a
    /// fresh timing, up to three times. Work with no check inside never throws, so the test still fails without one.
    /// </summary>
    private static void AssertStopsPartWay(Action<CancellationToken> work, int fraction)
    {
        string last = "no try";
        for (int attempt = 1; attempt <= 3; attempt++)
        {
            var whole = Stopwatch.StartNew();
            work(TestContext.Current.CancellationToken);
            whole.Stop();

            using var cancel = new CancellationTokenSource(whole.Elapsed / fraction);
            var cancelled = Stopwatch.StartNew();
            try
            {
                work(cancel.Token);
                last = $"try {attempt} ran to its end ({cancelled.Elapsed}) past a cancel due after {whole.Elapsed / fraction}";
            }
            catch (OperationCanceledException)
            {
                if (cancelled.Elapsed < whole.Elapsed)
                {
                    return;
                }

                last = $"try {attempt} stopped after {cancelled.Elapsed}, the whole run took {whole.Elapsed}";
            }
        }

        Assert.Fail($"No cancelled run stopped before its end in three tries; the last: {last}");
    }
}
