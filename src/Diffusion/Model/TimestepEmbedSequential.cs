using TorchSharp;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Model;

/// <summary>
/// The reference's <c>TimestepEmbedSequential</c>: runs its children "0", "1", … in order and passes the timestep embedding
/// only to the ResBlocks.
/// </summary>
public sealed class TimestepEmbedSequential : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly nn.Module[] _layers;

    public TimestepEmbedSequential(params nn.Module[] layers)
        : base(nameof(TimestepEmbedSequential))
    {
        ArgumentNullException.ThrowIfNull(layers);
        _layers = layers;
        for (int i = 0; i < layers.Length; i++)
        {
            if (layers[i] is not (nn.Module<Tensor, Tensor, Tensor> or nn.Module<Tensor, Tensor>))
            {
                throw new ArgumentException($"Layer {i} ({layers[i].GetType().Name}) takes neither (x) nor (x, emb).", nameof(layers));
            }

            register_module(i.ToString(System.Globalization.CultureInfo.InvariantCulture), layers[i]);
        }
    }

    public IReadOnlyList<nn.Module> Layers => _layers;

    public override Tensor forward(Tensor input1, Tensor input2)
    {
        using var scope = NewDisposeScope();
        var x = input1;
        foreach (var layer in _layers)
        {
            x = layer is nn.Module<Tensor, Tensor, Tensor> timestepBlock
                ? timestepBlock.call(x, input2)
                : ((nn.Module<Tensor, Tensor>)layer).call(x);
        }

        return x.MoveToOuterDisposeScope();
    }

    /// <summary>Children are registered explicitly under the reference's names; fields must not add a second copy.</summary>
    protected override void RegisterComponents()
    {
    }
}
