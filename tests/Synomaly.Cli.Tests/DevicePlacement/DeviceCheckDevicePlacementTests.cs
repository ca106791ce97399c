using Synomaly.Cli.DeviceCheck;
using Synomaly.Testing;
using static TorchSharp.torch;

namespace Synomaly.Cli.Tests.DevicePlacement;

/// <summary>
/// <c>synomaly check-device</c> compares the device's work with references it computes on the CPU: those references must be
/// made on the CPU by name (see <see cref="ImplicitDeviceTrap"/>), or on a newly lent GPU a check would compare the device
/// with itself, or fail for want of a CPU tensor. The checks that build a UNet cannot run under the trap (the network is
/// built on the default device), so their shared inputs are tested alone.
/// </summary>
[Collection(ImplicitDeviceCollection.Name)]
public sealed class DeviceCheckDevicePlacementTests
{
    [Fact]
    public void The_seeded_draws_check_draws_its_cpu_references_on_the_cpu()
    {
        var check = DeviceChecks.Standard.Single(c => c.Name == "seeded draws");

        var result = ImplicitDeviceTrap.Run(() => DeviceChecks.Run(CPU, [check])).Single();

        Assert.True(result.Passed, result.Detail);
    }

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
