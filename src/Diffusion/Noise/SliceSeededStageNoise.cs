using TorchSharp;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Noise;

/// <summary>
/// One generator per slice (<see cref="Inference.NoiseSeeding.PerSlice"/>): slice i's D draws of a stage come from its own
/// generator, so they are the same whatever batch it is in. The generators are CPU ones (<see cref="SeededDraws"/>): the
/// draws are gathered in a host buffer and sent to the device in one copy per stage.
/// </summary>
internal sealed class SliceSeededStageNoise : StageNoise
{
    private readonly Generator[] generators;
    private readonly Tensor buffer;
    private readonly Tensor host;
    private readonly Tensor[] sliceRows;
    private readonly Tensor scratch;

    public SliceSeededStageNoise(IReadOnlyList<long> seeds, int draws, long[] sliceShape, Device device)
    {
        generators = [.. seeds.Select(SeededDraws.CpuGenerator)];
        buffer = empty([draws * seeds.Count, .. sliceShape], ScalarType.Float32, device);
        host = device.type == DeviceType.CPU ? buffer : empty(buffer.shape, ScalarType.Float32, CPU);
        using var byDraw = host.view([draws, seeds.Count, .. sliceShape]);
        sliceRows = [.. Enumerable.Range(0, seeds.Count).Select(i => byDraw.select(1, i))];
        // Drawn into a contiguous tensor, then copied: libtorch fills contiguous and strided tensors in different orders,
        // and a slice's rows are strided unless it is alone, so drawing in place would make its noise depend on the batch.
        scratch = empty([draws, .. sliceShape], ScalarType.Float32, CPU);
    }

    public override Tensor Next()
    {
        for (var i = 0; i < generators.Length; i++)
        {
            SeededDraws.FillNormal(scratch, generators[i]);
            sliceRows[i].copy_(scratch);
        }

        return ReferenceEquals(host, buffer) ? buffer : buffer.copy_(host);
    }

    protected override void Dispose(bool disposing)
    {
        if (!disposing)
        {
            return;
        }

        foreach (var row in sliceRows)
        {
            row.Dispose();
        }

        scratch.Dispose();
        if (!ReferenceEquals(host, buffer))
        {
            host.Dispose();
        }

        buffer.Dispose();
        foreach (var generator in generators)
        {
            generator.Dispose();
        }
    }
}
