using TorchSharp;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Model;

/// <summary>How a <see cref="ResBlock"/> changes the spatial size: not at all, avg-pool 2×2, or nearest-neighbour ×2.</summary>
public enum Resample
{
    None,
    Down,
    Up,
}

/// <summary>
/// The reference <c>ResBlock</c> without scale-shift norm (ALGORITHM.md 1.2): GN, SiLU, conv3×3; plus the projected timestep
/// embedding; GN, SiLU, dropout, conv3×3; plus the skip (identity, or a 1×1 conv when the channels change). Up/down blocks
/// resample both paths between the first SiLU and the first conv, with no parameters of their own.
/// Children are named like the reference's state_dict: in_layers.{0,1,2}, emb_layers.{0,1}, out_layers.{0,1,2,3}, skip_connection.
/// </summary>
public sealed class ResBlock : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly GroupNorm32 _inNorm;
    private readonly nn.Module<Tensor, Tensor> _inConv;
    private readonly nn.Module<Tensor, Tensor> _embLayers;
    private readonly nn.Module<Tensor, Tensor> _outLayers;
    private readonly nn.Module<Tensor, Tensor>? _skipConv;
    private readonly Resample _resample;

    public ResBlock(int channels, int embChannels, double dropout, int outChannels, Resample resample = Resample.None)
        : base(nameof(ResBlock))
    {
        if (resample != Resample.None && outChannels != channels)
        {
            throw new InvalidModelConfigException($"An up/down ResBlock keeps its channels ({channels} -> {outChannels} given).");
        }

        _resample = resample;
        // Parameters on the CPU and in float32 by name, whatever libtorch's default device and dtype: see UNet.
        _inNorm = new GroupNorm32(channels);
        _inConv = nn.Conv2d(channels, outChannels, 3, padding: 1, device: CPU, dtype: ScalarType.Float32);
        var inLayers = nn.Sequential(("0", _inNorm), ("1", nn.SiLU()), ("2", _inConv));
        _embLayers = nn.Sequential(("0", nn.SiLU()), ("1", nn.Linear(embChannels, outChannels, device: CPU, dtype: ScalarType.Float32)));
        var outConv = nn.Conv2d(outChannels, outChannels, 3, padding: 1, device: CPU, dtype: ScalarType.Float32);
        ZeroInit.Apply(outConv);
        _outLayers = nn.Sequential(("0", new GroupNorm32(outChannels)), ("1", nn.SiLU()), ("2", nn.Dropout(dropout)), ("3", outConv));

        // Registration order fixes the state_dict order.
        register_module("in_layers", inLayers);
        register_module("emb_layers", _embLayers);
        register_module("out_layers", _outLayers);
        if (outChannels != channels)
        {
            _skipConv = nn.Conv2d(channels, outChannels, 1, device: CPU, dtype: ScalarType.Float32);
            register_module("skip_connection", _skipConv);
        }
    }

    public override Tensor forward(Tensor input1, Tensor input2)
    {
        using var scope = NewDisposeScope();
        var x = input1;
        var h = nn.functional.silu(_inNorm.call(x));
        if (_resample != Resample.None)
        {
            h = Resize(h);
            x = Resize(x);
        }

        h = _inConv.call(h);
        var embOut = _embLayers.call(input2).to_type(h.dtype);
        h = _outLayers.call(h.Plus(embOut.unsqueeze(-1).unsqueeze(-1)));
        var skip = _skipConv is null ? x : _skipConv.call(x);
        return skip.Plus(h).MoveToOuterDisposeScope();
    }

    private Tensor Resize(Tensor x) => _resample == Resample.Down
        ? nn.functional.avg_pool2d(x, 2, 2)
        : nn.functional.interpolate(x, scale_factor: [2.0, 2.0], mode: InterpolationMode.Nearest);

    /// <summary>Children are registered explicitly under the reference's names; fields must not add a second copy.</summary>
    protected override void RegisterComponents()
    {
    }
}
