using Synomaly.Diffusion.Noise;
using TorchSharp;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Tests.Noise;

public sealed class SeededDrawsTests
{
    /// <summary>The state of a CPU generator (mt19937); libtorch's CUDA generators (Philox) keep 16 bytes.</summary>
    private const long CpuGeneratorStateBytes = 5056;

    [Fact]
    public void TorchSharp_makes_a_cpu_generator_even_when_asked_for_a_cuda_one()
    {
        // Why every seeded draw is made on the host: a CUDA draw refuses a CPU generator. If a TorchSharp upgrade makes real
        // CUDA generators, this fails and the host round trip can go.
        using var asked = new torch.Generator(1, new Device(DeviceType.CUDA, 0));
        using var state = asked.get_state();

        Assert.Equal(CpuGeneratorStateBytes, state.numel());
    }

    [Fact]
    public void A_seeded_draw_for_another_device_is_made_by_the_cpu_generator_and_moved()
    {
        using var scope = NewDisposeScope();
        var meta = new Device(DeviceType.META);
        using var forMeta = SeededDraws.CpuGenerator(3);
        using var forCpu = SeededDraws.CpuGenerator(3);

        var drawn = SeededDraws.Normal([2, 1, 8, 8], meta, forMeta);
        SeededDraws.Integers(5, [7], meta, forMeta);
        SeededDraws.Uniform([4], meta, forMeta);
        SeededDraws.FillNormal(empty([2, 1, 8, 8], device: meta), forMeta);
        SeededDraws.Normal([2, 1, 8, 8], CPU, forCpu);
        SeededDraws.Integers(5, [7], CPU, forCpu);
        SeededDraws.Uniform([4], CPU, forCpu);
        SeededDraws.FillNormal(empty([2, 1, 8, 8]), forCpu);

        // A draw on the meta device itself would not have moved the CPU generator on.
        Assert.Equal(DeviceType.META, drawn.device.type);
        Assert.Equal(forCpu.get_state().data<byte>().ToArray(), forMeta.get_state().data<byte>().ToArray());
    }

    [Fact]
    public void Cpu_draws_are_libtorch_s_own_draws_with_that_generator()
    {
        using var scope = NewDisposeScope();
        using var ours = SeededDraws.CpuGenerator(11);
        using var theirs = new torch.Generator(11);

        Assert.Equal(randn([3, 5], generator: theirs).data<float>().ToArray(), SeededDraws.Normal([3, 5], CPU, ours).data<float>().ToArray());
        Assert.Equal(randn([3, 5], generator: theirs).data<float>().ToArray(), SeededDraws.FillNormal(empty([3, 5]), ours).data<float>().ToArray());
        Assert.Equal(randint(0, 9, [6], generator: theirs).data<long>().ToArray(), SeededDraws.Integers(9, [6], CPU, ours).data<long>().ToArray());
        Assert.Equal(rand([6], generator: theirs).data<float>().ToArray(), SeededDraws.Uniform([6], CPU, ours).data<float>().ToArray());
    }
}
