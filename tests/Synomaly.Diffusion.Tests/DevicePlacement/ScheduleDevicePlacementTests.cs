using Synomaly.Diffusion.Schedules;
using Synomaly.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Tests.DevicePlacement;

/// <summary>
/// The diffusion maths (q_sample, the x̂0 prediction, the posterior mean, the MSE and hybrid losses and their backward pass)
/// create every tensor, the schedule tables included, on the input's device (see <see cref="ImplicitDeviceTrap"/>).
/// </summary>
[Collection(ImplicitDeviceCollection.Name)]
public sealed class ScheduleDevicePlacementTests
{
    [Theory]
    [InlineData(LossType.Mse)]
    [InlineData(LossType.Vlb)]
    public void The_training_loss_and_its_backward_pass_make_no_tensor_off_the_input_device(LossType type)
    {
        using var model = DevicePlacementInputs.RandomUNet(DevicePlacementInputs.Tiny, seed: 4);
        using var scope = NewDisposeScope();
        var x0 = DevicePlacementInputs.Slices(3, 16, seed: 5);
        // t = 0 takes the hybrid loss's decoder branch, the others its KL branch.
        var t = tensor(new long[] { 0, 5, 900 });
        var noise = randn(x0.shape, generator: new Generator(6));
        // Fresh diffusions: the tables are copied to a device at its first use, which the trapped call must be.
        using var trappedDiffusion = new GaussianDiffusion(BetaSchedule.Cosine);
        using var diffusion = new GaussianDiffusion(BetaSchedule.Cosine);

        var trapped = ImplicitDeviceTrap.Run(() =>
        {
            var loss = trappedDiffusion.TrainingLossPerSample(model, x0, t, noise, type);
            loss.mean().backward();
            return loss;
        });

        ImplicitDeviceTrap.AssertSame(diffusion.TrainingLossPerSample(model, x0, t, noise, type), trapped);
    }

    [Fact]
    public void Q_sample_and_the_x0_prediction_make_no_tensor_off_the_input_device()
    {
        using var scope = NewDisposeScope();
        var x0 = DevicePlacementInputs.Slices(2, 16, seed: 7);
        var t = tensor(new long[] { 150, 999 });
        var noise = randn(x0.shape, generator: new Generator(8));
        var eps = randn(x0.shape, generator: new Generator(9));
        using var trappedDiffusion = new GaussianDiffusion(BetaSchedule.Cosine);
        using var diffusion = new GaussianDiffusion(BetaSchedule.Cosine);

        var (xt, x0Predicted, mean) = ImplicitDeviceTrap.Run(() =>
        {
            var xt = trappedDiffusion.QSample(x0, t, noise);
            var predicted = trappedDiffusion.PredictX0(xt, t, eps);
            return (xt, predicted, trappedDiffusion.PosteriorMean(predicted, xt, t));
        });

        var expectedXt = diffusion.QSample(x0, t, noise);
        var expectedX0 = diffusion.PredictX0(expectedXt, t, eps);
        ImplicitDeviceTrap.AssertSame(expectedXt, xt);
        ImplicitDeviceTrap.AssertSame(expectedX0, x0Predicted);
        ImplicitDeviceTrap.AssertSame(diffusion.PosteriorMean(expectedX0, expectedXt, t), mean);
    }
}
