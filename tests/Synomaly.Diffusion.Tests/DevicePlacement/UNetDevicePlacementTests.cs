using Synomaly.Diffusion.Model;
using Synomaly.Diffusion.Weights;
using Synomaly.Testing;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Tests.DevicePlacement;

/// <summary>
/// The UNet's forward pass creates every tensor on its input's device, in every configuration the product uses, in every
/// compute type and with both attention kernels (see <see cref="ImplicitDeviceTrap"/>), and computes the same values.
/// </summary>
[Collection(ImplicitDeviceCollection.Name)]
public sealed class UNetDevicePlacementTests
{
    [Theory]
    [InlineData("demo", ScalarType.Float32, AttentionKernel.Explicit, false)]
    [InlineData("demo", ScalarType.Float32, AttentionKernel.ScaledDotProduct, true)]
    [InlineData("published-narrow", ScalarType.Float32, AttentionKernel.Explicit, false)]
    [InlineData("published-narrow", ScalarType.BFloat16, AttentionKernel.Explicit, false)]
    [InlineData("published-narrow", ScalarType.BFloat16, AttentionKernel.ScaledDotProduct, true)]
    [InlineData("tiny", ScalarType.Float16, AttentionKernel.Explicit, false)]
    [InlineData("tiny", ScalarType.Float16, AttentionKernel.ScaledDotProduct, true)]
    public void The_forward_pass_makes_no_tensor_off_its_input_device(string configuration, ScalarType computeType, AttentionKernel kernel, bool channelsLast)
    {
        using var model = Build(configuration);
        model.UsePrecision(computeType);
        model.AttentionKernel = kernel;
        model.UseChannelsLast(channelsLast);
        model.eval();
        using var scope = NewDisposeScope();
        using var inference = inference_mode();
        var x = DevicePlacementInputs.Slices(2, model.Config.ImageSize, seed: 3);
        var t = tensor(new long[] { 0, 700 });

        var trapped = ImplicitDeviceTrap.Run(() => model.call(x, t));

        ImplicitDeviceTrap.AssertSame(model.call(x, t), trapped);
    }

    private static UNet Build(string configuration) => configuration switch
    {
        "demo" => ModelPackage.Load(DevicePlacementInputs.DemoModelDirectory, CPU).Model,
        "published-narrow" => DevicePlacementInputs.RandomUNet(DevicePlacementInputs.PublishedNarrow, seed: 1),
        _ => DevicePlacementInputs.RandomUNet(DevicePlacementInputs.Tiny, seed: 2),
    };
}
