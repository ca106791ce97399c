using TorchSharp;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Model;

/// <summary>The reference's <c>zero_module</c>: output convolutions start at zero so every block starts as the identity.</summary>
internal static class ZeroInit
{
    public static void Apply(nn.Module module)
    {
        using var noGrad = no_grad();
        foreach (var parameter in module.parameters())
        {
            parameter.zero_();
        }
    }
}
