using Synomaly.Cli.DeviceCheck;
using Synomaly.Testing;
using static TorchSharp.torch;

namespace Synomaly.Cli.Tests.DevicePlacement;

/// <summary>
/// <c>synomaly check-device</c> compares the device's work with references it computes on the CPU: those references must be
/// made on the CPU by name (see <see cref="ImplicitDeviceTrap"/>), or on a newly lent GPU a check would compare the device
/// with itself, or fail for want of a CPU tensor. The UNet is built on the CPU by name, so every check runs under the trap,
/// construction included.
/// </summary>
[Collection(ImplicitDeviceCollection.Name)]
public sealed class DeviceCheckDevicePlacementTests
{
    [Theory]
    [MemberData(nameof(CheckNames))]
    public void A_check_on_the_cpu_makes_no_tensor_off_its_device_whatever_the_default_device(string name)
    {
        var check = DeviceChecks.Standard.Single(c => c.Name == name);

        var result = ImplicitDeviceTrap.Run(() => DeviceChecks.Run(CPU, [check])).Single();

        Assert.True(result.Passed, result.Detail);
    }

    public static TheoryData<string> CheckNames() => [.. DeviceChecks.Standard.Select(c => c.Name)];

    [Fact]
    public void The_checks_inputs_are_made_on_the_cpu_whatever_the_default_device()
    {
        using var scope = NewDisposeScope();

        var (x, t) = ImplicitDeviceTrap.Run(DeviceChecks.Inputs);
        var (expectedX, expectedT) = DeviceChecks.Inputs();

        ImplicitDeviceTrap.AssertSame(expectedX, x);
        ImplicitDeviceTrap.AssertSame(expectedT, t);
        Assert.Equal(1f, x[0, 0, 10, 10].item<float>());
    }
}
