using Synomaly.Contracts;
using Synomaly.Diffusion.Inference;
using Synomaly.Diffusion.Weights;
using Synomaly.GpuWorker.Inference;
using Synomaly.GpuWorker.Options;
using Synomaly.GpuWorker.Scans;
using Synomaly.GpuWorker.Tests.Support;
using Synomaly.Imaging;
using Synomaly.Imaging.Nifti;
using Synomaly.Imaging.Presets;
using Synomaly.Imaging.Reading;
using Synomaly.Imaging.Outputs;
using Synomaly.Imaging.Volumes;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace Synomaly.GpuWorker.Tests;

/// <summary>
/// A profile's normative threshold applies only to slices whose head lines up with its head template; the worker says in the
/// scan's report where it used the single θ instead.
/// </summary>
public sealed class NormativeGateTests
{
    private const int Size = UntrainedInference.Size;

    /// <summary>A bright disc left of centre on a dark background: a "head" at one place of the grid.</summary>
    private static float[] Disc(int centreX) =>
        [.. Enumerable.Range(0, Size * Size).Select(p => Math.Pow((p % Size) - centreX, 2) + Math.Pow((p / Size) - 16, 2) < 64 ? 0.5f : -1f)];

    [Fact]
    public void The_engine_flags_the_slices_that_do_not_match_the_template()
    {
        float[] template = [.. Disc(12).Select(v => v > HeadAlignment.HeadLevel ? 1f : 0f)];
        var normative = new NormativeThreshold(
            [.. Enumerable.Repeat(1.5f, Size * Size)], 0.5, 10, 150, 3, 1, template, MinHeadCorrelation: 0.9);
        using var inference = Inference(new InferenceProfile { Timesteps = [150], BlurKernel = 3, Threshold = 0.1, MinComponentSize = 1, NormativeThreshold = normative });

        var outputs = inference.Run([Disc(12), Disc(22), Disc(13)], "brain-mri", TestContext.Current.CancellationToken);

        Assert.Equal([false, true, false], outputs.Select(o => o.NormativeFallback));
    }

    [Fact]
    public void The_report_names_the_slices_that_kept_the_single_threshold()
    {
        var codec = new ImagingScanCodec(ScanReadOptions.Default, MsOptions.Create(new ModelOptions()), TimeProvider.System);
        var job = StubScanJob.For("gate-1", ModalityHint.BrainMri);
        var scan = codec.Prepare(ThreeSliceNifti(), job, (Size, Size), ModalityHint.BrainMri, SliceOrientation.Display, TestContext.Current.CancellationToken);
        SliceOutput Output(bool fallback) => new(new float[Size * Size], new float[Size * Size], new bool[Size * Size], 0, 1, fallback);
        var outputs = scan.Slices.Select((_, i) => Output(fallback: i == 1)).ToList();

        var report = ScanReportBuilder.FromJson(codec.Render(job, scan, outputs, TestContext.Current.CancellationToken).Single(f => f.RelativePath == BlobLayout.ReportFile).Content.ToArray());
        var unflagged = ScanReportBuilder.FromJson(codec.Render(job, scan, [.. outputs.Select(o => o with { NormativeFallback = false })], TestContext.Current.CancellationToken)
            .Single(f => f.RelativePath == BlobLayout.ReportFile).Content.ToArray());

        Assert.Equal(3, outputs.Count);
        Assert.Contains(report.Notes, n => n.StartsWith("Normative threshold not applied to slice(s) 1:", StringComparison.Ordinal));
        Assert.Equal([false, true, false], report.Slices.Select(s => s.SingleThreshold));
        Assert.DoesNotContain(unflagged.Notes, n => n.Contains("Normative", StringComparison.Ordinal));
        Assert.All(unflagged.Slices, s => Assert.False(s.SingleThreshold));
    }

    private static BinaryData ThreeSliceNifti()
    {
        var voxels = Enumerable.Range(0, 3).SelectMany(_ => Disc(16).Select(v => (v + 1) * 500)).ToArray();
        var volume = new Volume(voxels, Size, Size, 3, VolumeGeometry.Unit(), Modality.MR, new VolumeProvenance { Format = ScanFormat.NiftiGzip });
        using var output = new MemoryStream();
        NiftiWriter.Write(output, voxels, Size, Size, 3, NiftiGeometry.ForVolume(volume), NiftiDataType.Float32, gzip: true, "synthetic");
        return BinaryData.FromBytes(output.ToArray());
    }

    private static DiffusionSliceInference Inference(InferenceProfile profile) =>
        UntrainedInference.Create("brain-mri", new Dictionary<string, InferenceProfile> { ["brain-mri"] = profile });
}
