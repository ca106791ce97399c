using Synomaly.Diffusion.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Tests.Training;

public sealed class ExponentialMovingAverageTests
{
    [Fact]
    public void A_disposed_average_leaves_no_tensor_alive()
    {
        using var module = nn.Linear(3, 2, device: CPU);
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        // Built outside any dispose scope, as TrainingRun builds its trainer: a temporary left here would hold the
        // parameter's storage (on the training device) until the finalizer ran, long after the model was disposed.
        new ExponentialMovingAverage(module, 0.9).Dispose();

        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void The_average_starts_at_the_weights_and_moves_towards_them_by_one_minus_the_decay()
    {
        using var module = nn.Linear(1, 1, hasBias: false, device: CPU);
        using (no_grad())
        {
            module.weight!.fill_(2f);
        }

        using var average = new ExponentialMovingAverage(module, 0.75);
        using (no_grad())
        {
            module.weight!.fill_(6f);
        }

        average.Update(module);

        Assert.Equal(3f, average.State["weight"].item<float>());
        Assert.Equal(6f, module.weight!.item<float>());
    }
}
