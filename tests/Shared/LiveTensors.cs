using Synomaly.Diffusion.Model;
using TorchSharp;

// Compiled into the test projects that build UNets (Diffusion, Evaluation) as a linked file rather than living in
// Synomaly.Testing, which must not make every test project load libtorch.
namespace Synomaly.Testing;

/// <summary>Leak checks by TorchSharp's count of live tensors, for operations that build a network.</summary>
internal static class LiveTensors
{
    /// <summary>
    /// Asserts that <paramref name="operation"/> leaves as many live tensors as a UNet of <paramref name="network"/> built
    /// and disposed. TorchSharp keeps counting each tensor whose handle a <c>Parameter</c> took over (GroupNorm's ones and
    /// zeros, the layers' own), even after the network is disposed, so an operation that builds one and gives it all back
    /// still raises the count by that much; anything more it kept is a leak.
    /// </summary>
    public static void AssertLeavesOnlyWhatADisposedNetworkLeaves(UNetConfig network, Action operation)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(operation);
        long before = Count;
        new UNet(network).Dispose();
        long leftByADisposedNetwork = Count - before;

        before = Count;
        operation();

        Assert.Equal(leftByADisposedNetwork, Count - before);
    }

    private static long Count => DisposeScopeManager.Statistics.ThreadTotalLiveCount;
}
