using Synomaly.Diffusion.Model;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Training;

/// <summary>
/// Mixed-precision training without autocast. TorchSharp 0.107 has neither <c>torch.autocast</c> nor a GradScaler (no
/// managed API and no native export; dotnet/TorchSharp#899 and the unmerged PR #1235), so the trainer keeps its model in
/// float32 as the master weights (optimizer, EMA and checkpoints see only those) and runs the forward and backward passes on
/// this second UNet, switched by <see cref="UNet.UsePrecision"/> to bfloat16 or float16 for convolutions, linears and
/// attention while GroupNorm and the softmax stay float32, the same split autocast makes. Each step copies the master
/// weights in (rounded to the compute type) and the gradients back out (widened to float32 and unscaled).
/// </summary>
public sealed class ReducedPrecisionReplica : IDisposable
{
    private readonly UNet replica;

    public ReducedPrecisionReplica(UNet master, TrainingPrecision precision, Device device)
        : this(master, precision, device, releaseBuilt: null)
    {
    }

    /// <param name="releaseBuilt">
    /// Gives back the replica's network when its move or switch fails (null: its Dispose); tests pass one that throws as
    /// well, as freeing device memory does once a CUDA error has poisoned the context.
    /// </param>
    internal ReducedPrecisionReplica(UNet master, TrainingPrecision precision, Device device, Action<UNet>? releaseBuilt)
    {
        ArgumentNullException.ThrowIfNull(master);
        if (precision == TrainingPrecision.Fp32)
        {
            throw new ArgumentOutOfRangeException(nameof(precision), precision, "A replica is only needed for reduced precision.");
        }

        Precision = precision;
        replica = new UNet(master.Config) { AttentionKernel = master.AttentionKernel };
        try
        {
            replica.to(device);
            replica.UsePrecision(precision.ComputeType());
        }
        catch
        {
            // A failed move (out of device memory) or switch must not leave a second network's weights to the finalizer.
            FailedConstruction.ReleaseKeepingTheFailure(() => (releaseBuilt ?? (static built => built.Dispose()))(replica));
            throw;
        }
    }

    public TrainingPrecision Precision { get; }

    /// <summary>The network to call for the forward pass (float32 in, float32 out).</summary>
    public UNet Model => replica;

    /// <summary>Copies the master weights in, rounded to the compute type, and clears the replica's gradients.</summary>
    public void LoadWeights(nn.Module master)
    {
        ArgumentNullException.ThrowIfNull(master);
        using var noGrad = no_grad();
        var source = Parameters(master);
        foreach (var (name, parameter) in replica.named_parameters())
        {
            parameter.copy_(source[name]);
        }

        replica.zero_grad();
        replica.train(master.training);
    }

    /// <summary>
    /// Sets each master parameter's gradient to the replica's, widened to float32 and multiplied by
    /// <paramref name="unscale"/> (1 / loss scale). Parameters the loss did not reach keep the gradient zero_grad left.
    /// </summary>
    public void CopyGradientsTo(nn.Module master, double unscale)
    {
        ArgumentNullException.ThrowIfNull(master);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var target = Parameters(master);
        foreach (var (name, parameter) in replica.named_parameters())
        {
            var gradient = parameter.grad;
            if (gradient is null)
            {
                continue;
            }

            var destination = target[name];
            var existing = destination.grad;
            if (existing is null)
            {
                // The master keeps its own reference to the new tensor; the scope only releases this handle.
                destination.grad = Unscaled(gradient.to_type(ScalarType.Float32), unscale);
            }
            else
            {
                Unscaled(existing.copy_(gradient), unscale);
            }
        }
    }

    public void Dispose() => replica.Dispose();

    private static Tensor Unscaled(Tensor gradient, double unscale) => unscale == 1 ? gradient : gradient.mul_(unscale);

    private static Dictionary<string, Parameter> Parameters(nn.Module module) =>
        module.named_parameters().ToDictionary(p => p.name, p => p.parameter);
}
