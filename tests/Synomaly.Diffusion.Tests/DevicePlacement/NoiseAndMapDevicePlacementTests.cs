using Synomaly.Diffusion.Inference;
using Synomaly.Diffusion.Maps;
using Synomaly.Diffusion.Noise;
using Synomaly.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Tests.DevicePlacement;

/// <summary>
/// Synomaly noise, the stage noise, the OpenCV blur, the threshold (per-pixel factors and the head gate included), both
/// component filters and the head alignment create every tensor on their input's device (see <see cref="ImplicitDeviceTrap"/>).
/// </summary>
[Collection(ImplicitDeviceCollection.Name)]
public sealed class NoiseAndMapDevicePlacementTests
{
    private static readonly SynomalyNoiseOptions TwoDirections = SynomalyNoiseOptions.Brats with { Directions = [1, -1] };

    [Fact]
    public void Synomaly_noise_with_a_region_mask_makes_no_tensor_off_the_requested_device()
    {
        using var scope = NewDisposeScope();
        var mask = CentredDiskMask.Create(32, CPU);
        using var trappedGenerator = SeededDraws.CpuGenerator(10);
        using var generator = SeededDraws.CpuGenerator(10);

        var trapped = ImplicitDeviceTrap.Run(() => SynomalyNoise.Sample([3, 1, 32, 32], TwoDirections, CPU, trappedGenerator, mask));

        ImplicitDeviceTrap.AssertSame(SynomalyNoise.Sample([3, 1, 32, 32], TwoDirections, CPU, generator, mask), trapped);
    }

    [Theory]
    [InlineData(NoiseSeeding.PerSlice)]
    [InlineData(NoiseSeeding.Batch)]
    public void Stage_noise_makes_no_tensor_off_the_slices_device(NoiseSeeding seeding)
    {
        using var scope = NewDisposeScope();
        var slices = DevicePlacementInputs.Slices(2, 16, seed: 11);

        var trapped = ImplicitDeviceTrap.Run(() =>
        {
            using var noise = StageNoise.For(slices, 3, seeding, seed: 12);
            noise.Next();
            return noise.Next().clone();
        });

        using var plain = StageNoise.For(slices, 3, seeding, seed: 12);
        plain.Next();
        ImplicitDeviceTrap.AssertSame(plain.Next(), trapped);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_anomaly_map_makes_no_tensor_off_the_slices_device(bool normativeFactors)
    {
        using var scope = NewDisposeScope();
        var x0 = DevicePlacementInputs.Slices(3, 32, seed: 13);
        var reconstruction = DevicePlacementInputs.Slices(3, 32, seed: 14);
        float[]? factors = normativeFactors ? [.. Enumerable.Range(0, 32 * 32).Select(p => 0.5f + (p % 7 / 7f))] : null;
        var options = new AnomalyMapOptions(BlurKernel: 5, Threshold: 0.1, MinComponentSize: 6, ThresholdScale: factors);
        var scaleApplies = normativeFactors ? tensor(new[] { true, false, true }) : null;

        using var trapped = ImplicitDeviceTrap.Run(() => AnomalyMap.Compute(x0, reconstruction, options, scaleApplies));

        using var expected = AnomalyMap.Compute(x0, reconstruction, options, scaleApplies);
        ImplicitDeviceTrap.AssertSame(expected.Map, trapped.Map);
        ImplicitDeviceTrap.AssertSame(expected.Mask, trapped.Mask);
        ImplicitDeviceTrap.AssertSame(expected.Scores, trapped.Scores);
    }

    [Fact]
    public void The_accelerator_component_filter_makes_no_tensor_off_the_foreground_device()
    {
        using var scope = NewDisposeScope();
        var foreground = DevicePlacementInputs.Slices(2, 32, seed: 15).squeeze(1).gt(0.1);

        var trapped = ImplicitDeviceTrap.Run(() => ConnectedComponents.KeepLargeComponentsByPropagation(foreground, 5));

        ImplicitDeviceTrap.AssertSame(ConnectedComponents.KeepLargeComponentsByFloodFill(foreground, 5), trapped);
    }

    [Fact]
    public void The_head_alignment_makes_no_tensor_off_the_slices_device()
    {
        using var scope = NewDisposeScope();
        var slices = DevicePlacementInputs.Slices(3, 16, seed: 16);
        float[] template = HeadAlignment.Template(DevicePlacementInputs.Slices(4, 16, seed: 17));

        var trapped = ImplicitDeviceTrap.Run(() => HeadAlignment.Correlation(slices, template));

        ImplicitDeviceTrap.AssertSame(HeadAlignment.Correlation(slices, template), trapped);
    }
}
