using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Model;

/// <summary>
/// The reference's <c>normalization(C)</c>: GroupNorm with 32 groups, eps 1e-5 and affine parameters, always computed in
/// float32 (input and parameters cast up, result cast back to the input dtype), so reduced-precision runs keep it exact.
/// </summary>
public sealed class GroupNorm32 : nn.Module<Tensor, Tensor>
{
    public const int Groups = 32;
    private const double Epsilon = 1e-5;

    public GroupNorm32(int channels)
        : base(nameof(GroupNorm32))
    {
        // Parameters on the CPU and in float32 by name, whatever libtorch's default device and dtype: see UNet.
        register_parameter("weight", new Parameter(ones(channels, device: CPU, dtype: ScalarType.Float32)));
        register_parameter("bias", new Parameter(zeros(channels, device: CPU, dtype: ScalarType.Float32)));
    }

    public override Tensor forward(Tensor input)
    {
        // Parameters are looked up by name because Module.to() may replace them.
        var weight = get_parameter("weight") ?? throw new InvalidOperationException("GroupNorm32 lost its weight.");
        var bias = get_parameter("bias") ?? throw new InvalidOperationException("GroupNorm32 lost its bias.");
        if (input.dtype == ScalarType.Float32 && weight.dtype == ScalarType.Float32)
        {
            return nn.functional.group_norm(input, Groups, weight, bias, Epsilon);
        }

        using var scope = NewDisposeScope();
        var result = nn.functional.group_norm(input.to_type(ScalarType.Float32), Groups, weight.to_type(ScalarType.Float32), bias.to_type(ScalarType.Float32), Epsilon);
        return result.to_type(input.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>Children are registered explicitly under the reference's names; fields must not add a second copy.</summary>
    protected override void RegisterComponents()
    {
    }
}
