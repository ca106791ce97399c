using Synomaly.Diffusion.Model;
using Synomaly.Diffusion.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Tests.Training;

public sealed class ReducedPrecisionReplicaTests
{
    private static readonly UNetConfig Smallest = new()
    {
        ImageSize = 8,
        ModelChannels = 32,
        ChannelMult = "1",
        NumResBlocks = 1,
        AttentionResolutions = "16",
        NumHeadChannels = 32,
    };

    [Fact]
    public void A_replica_that_fails_to_switch_precision_leaves_no_tensor_behind()
    {
        using var master = new UNet(Smallest);
        // TorchSharp's count keeps one entry per tensor a Parameter took the handle of (GroupNorm's ones and zeros, the
        // layers' own): those stay counted after a network is disposed, so the baseline is a network built and disposed.
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        new UNet(Smallest).Dispose();
        long leftByADisposedNetwork = DisposeScopeManager.Statistics.ThreadTotalLiveCount - before;
        before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        // Not a precision UsePrecision can be asked for: the replica's UNet already exists when the switch throws.
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReducedPrecisionReplica(master, (TrainingPrecision)99, CPU));

        Assert.Equal(leftByADisposedNetwork, DisposeScopeManager.Statistics.ThreadTotalLiveCount - before);
    }
}
