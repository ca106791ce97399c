using Synomaly.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Tests.DevicePlacement;

/// <summary>The trap itself: it fails an operation that makes a tensor without naming a device, and only that.</summary>
[Collection(ImplicitDeviceCollection.Name)]
public sealed class ImplicitDeviceTrapTests
{
    [Fact]
    public void A_tensor_made_without_a_device_fails_the_operation_and_one_made_on_the_input_device_does_not()
    {
        using var scope = NewDisposeScope();
        var x = ones(2, 3);

        Assert.ThrowsAny<Exception>(() => ImplicitDeviceTrap.Run(() => x + zeros(2, 3)));
        ImplicitDeviceTrap.AssertSame(x, ImplicitDeviceTrap.Run(() => x + zeros(2, 3, device: x.device)));
        Assert.Equal(DeviceType.CPU, zeros(1).device_type);
    }
}
