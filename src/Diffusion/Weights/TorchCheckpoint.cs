using static TorchSharp.torch;

namespace Synomaly.Diffusion.Weights;

/// <summary>
/// What the authors' <c>torch.save</c> checkpoint holds for inference: the UNet state_dict (in file order), the <c>args</c>
/// hyper-parameters and the training bookkeeping. The optimizer state is read past and not kept. Owns its tensors.
/// </summary>
public sealed class TorchCheckpoint : IDisposable
{
    public TorchCheckpoint(IReadOnlyDictionary<string, Tensor> modelStateDict, IReadOnlyDictionary<string, object?> args, int? epoch, double? loss)
    {
        ModelStateDict = modelStateDict;
        Args = args;
        Epoch = epoch;
        Loss = loss;
    }

    /// <summary>The UNet weights by state_dict key (CPU tensors, float32 in the authors' files). Not in file order: load by name.</summary>
    public IReadOnlyDictionary<string, Tensor> ModelStateDict { get; }

    /// <summary>The <c>args</c> dict (JSON hyper-parameters): strings, longs, doubles, bools, nested lists and dicts; empty for a bare state_dict.</summary>
    public IReadOnlyDictionary<string, object?> Args { get; }

    /// <summary><c>n_epoch</c> (the authors' <c>last_model.pt</c> stores the configured epoch count here, not the current one).</summary>
    public int? Epoch { get; }

    /// <summary><c>loss</c>: the epoch mean training loss (a numpy float64 in the file).</summary>
    public double? Loss { get; }

    public void Dispose()
    {
        foreach (var tensor in ModelStateDict.Values)
        {
            tensor.Dispose();
        }
    }
}
