using Synomaly.Cli.DeviceCheck;
using static TorchSharp.torch;

namespace Synomaly.Cli.Tests;

/// <summary>
/// <c>check-device</c> runs on a newly lent GPU, whose memory the finalizer frees late or never within the call: every check
/// disposes the tensors it makes before it returns, the leak check's own inputs included.
/// </summary>
public sealed class DeviceCheckTensorLifetimeTests
{
    [Theory]
    [MemberData(nameof(CheckNames))]
    public void A_check_leaves_none_of_its_tensors_in_the_callers_scope(string name)
    {
        var check = DeviceChecks.Standard.Single(c => c.Name == name);
        using var scope = NewDisposeScope();

        var result = DeviceChecks.Run(CPU, [check], cancellationToken: TestContext.Current.CancellationToken).Single();

        Assert.True(result.Passed, result.Detail);
        // A tensor the check neither disposed nor kept in a scope of its own lands in this one.
        Assert.Equal(0, scope.DisposablesCount);
    }

    public static TheoryData<string> CheckNames() => [.. DeviceChecks.Standard.Select(c => c.Name)];
}
