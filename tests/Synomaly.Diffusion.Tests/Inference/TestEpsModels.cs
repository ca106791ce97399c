using TorchSharp;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Tests.Inference;

/// <summary>
/// A parameter-free ε model with a known x0 prediction: ε = (1 − f)·x_t / sqrt(1 − ᾱ_t), so that
/// x̂0 = sqrt(1/ᾱ_t)·x_t − sqrt(1/ᾱ_t − 1)·ε = f·x_t / sqrt(ᾱ_t). With zero noise that is f·x_c; with f = 1 the model is
/// ε = 0 and x̂0 = x_c + sqrt(1/ᾱ_t − 1)·noise. It records the batch size of every call.
/// </summary>
internal sealed class ScalingEpsModel : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly double[] _alphasCumprod;
    private readonly double _factor;

    public ScalingEpsModel(double[] alphasCumprod, double factor)
        : base(nameof(ScalingEpsModel))
    {
        _alphasCumprod = alphasCumprod;
        _factor = factor;
    }

    public List<long> BatchSizes { get; } = [];

    public override Tensor forward(Tensor input1, Tensor input2)
    {
        BatchSizes.Add(input1.shape[0]);
        using var scope = NewDisposeScope();
        double[] scale = input2.cpu().data<long>().ToArray().Select(t => (1 - _factor) / Math.Sqrt(1 - _alphasCumprod[t])).ToArray();
        var eps = input1 * tensor(scale, dtype: ScalarType.Float32, device: input1.device).view(-1, 1, 1, 1);
        return eps.MoveToOuterDisposeScope();
    }
}
