using static TorchSharp.torch;

namespace Synomaly.Diffusion.Model;

/// <summary>
/// The channels-last (NHWC) memory layout for 4-D tensors. TorchSharp 0.107 has no <c>to(memory_format)</c>, so the layout
/// is made the way libtorch defines it: the same [N, C, H, W] shape with the strides of a permuted contiguous NHWC copy.
/// Convolutions and GroupNorm keep the layout of their input (oneDNN and cuDNN prefer it for reduced precision).
/// </summary>
public static class MemoryLayout
{
    /// <summary>A channels-last copy of a 4-D tensor (values unchanged, shape unchanged).</summary>
    public static Tensor ToChannelsLast(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.dim() != 4)
        {
            throw new ArgumentException($"Channels-last needs a 4-D tensor, got {tensor.dim()} dimensions.", nameof(tensor));
        }

        using var scope = NewDisposeScope();
        return tensor.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Whether a 4-D tensor is dense in NHWC order, ignoring dimensions of size 1 as libtorch does (so a 1×1 convolution
    /// weight or a one-channel image is both contiguous and channels-last).
    /// </summary>
    public static bool IsChannelsLast(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.dim() != 4)
        {
            return false;
        }

        long[] shape = tensor.shape, stride = tensor.stride();
        long expected = 1;
        foreach (int dimension in (ReadOnlySpan<int>)[1, 3, 2, 0])
        {
            if (shape[dimension] == 1)
            {
                continue;
            }

            if (stride[dimension] != expected)
            {
                return false;
            }

            expected *= shape[dimension];
        }

        return true;
    }
}
