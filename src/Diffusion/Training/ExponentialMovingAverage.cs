using static TorchSharp.torch;

namespace Synomaly.Diffusion.Training;

/// <summary>An exponential moving average of a module's parameters, kept as detached copies on the same device.</summary>
public sealed class ExponentialMovingAverage : IDisposable
{
    private readonly (string Name, Tensor Shadow)[] shadows;

    public ExponentialMovingAverage(nn.Module module, double decay)
    {
        Decay = decay;
        shadows = [.. module.named_parameters().Select(p => (p.name, DetachedCopy(p.parameter)))];
    }

    public double Decay { get; }

    public void Update(nn.Module module)
    {
        using var noGrad = no_grad();
        var current = module.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, shadow) in shadows)
        {
            shadow.mul_(Decay).add_(current[name], alpha: 1 - Decay);
        }
    }

    /// <summary>Copies the averaged weights into a module with the same parameter names (for export or evaluation).</summary>
    public void CopyTo(nn.Module module)
    {
        using var noGrad = no_grad();
        var target = module.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, shadow) in shadows)
        {
            target[name].copy_(shadow);
        }
    }

    public IReadOnlyDictionary<string, Tensor> State => shadows.ToDictionary(s => s.Name, s => s.Shadow);

    public void Load(IReadOnlyDictionary<string, Tensor> state)
    {
        using var noGrad = no_grad();
        foreach (var (name, shadow) in shadows)
        {
            shadow.copy_(state[name]);
        }
    }

    public void Dispose()
    {
        foreach (var (_, shadow) in shadows)
        {
            shadow.Dispose();
        }
    }

    /// <summary>
    /// The detached view is disposed here, not left to the finalizer: the average is often built outside any dispose
    /// scope (TrainingRun's trainer), and the view would hold the parameter's device storage after the model is disposed.
    /// </summary>
    private static Tensor DetachedCopy(Tensor parameter)
    {
        using var detached = parameter.detach();
        return detached.clone();
    }
}
