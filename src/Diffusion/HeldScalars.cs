using TorchSharp;
using static TorchSharp.torch;

namespace Synomaly.Diffusion;

/// <summary>
/// Tensor arithmetic whose scalar operands stay reachable until libtorch has read them.
/// <para>
/// TorchSharp 0.107 turns every number handed to a tensor operation, and the hidden <c>alpha = 1</c> of tensor + tensor
/// (tensor − tensor has none), into a <see cref="Scalar"/> that has a finalizer, and passes only its native handle on. Nothing
/// references the Scalar during the native call, so a garbage collection started by another thread at that moment can
/// finalize it and free the native scalar while libtorch reads it: the operation throws ("Expected false to be true",
/// "value cannot be converted to type BFloat16 without overflow") or reads freed memory. Measured on this project's CPU
/// build: about one failed addition in 20,000 while another thread collects in a loop; a worker that receives messages
/// and uploads results while it infers has such threads.
/// </para>
/// <para>
/// The model and the inference stages therefore do their scalar arithmetic here: constants live in static fields, and
/// every other number in a <c>using</c> that lasts until the native call has returned.
/// </para>
/// </summary>
public static class HeldScalars
{
    private static readonly Scalar One = 1.ToScalar();
    private static readonly Scalar Zero = 0.ToScalar();

    /// <summary><c>left + right</c>.</summary>
    public static Tensor Plus(this Tensor left, Tensor right) => left.add(right, One);

    /// <summary><c>tensor + value</c> for an integer tensor, which stays an integer tensor.</summary>
    public static Tensor Plus(this Tensor tensor, long value)
    {
        using var held = value.ToScalar();
        return tensor.add(held, One);
    }

    /// <summary><c>1 − tensor</c>.</summary>
    public static Tensor OneMinus(this Tensor tensor) => tensor.neg().add(One, One);

    /// <summary><c>tensor · factor</c>.</summary>
    public static Tensor Times(this Tensor tensor, double factor)
    {
        using var held = factor.ToScalar();
        return tensor.mul(held);
    }

    /// <summary><c>tensor / divisor</c>.</summary>
    public static Tensor DividedBy(this Tensor tensor, double divisor)
    {
        using var held = divisor.ToScalar();
        return tensor.div(held);
    }

    /// <summary><c>tensor</c> clamped to [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static Tensor ClampedTo(this Tensor tensor, double min, double max)
    {
        using var low = min.ToScalar();
        using var high = max.ToScalar();
        return tensor.clamp(low, high);
    }

    /// <summary><c>max(tensor, min)</c>.</summary>
    public static Tensor AtLeastOf(this Tensor tensor, double min)
    {
        using var low = min.ToScalar();
        return tensor.clamp_min(low);
    }

    /// <summary><c>tensor &gt; value</c>.</summary>
    public static Tensor Above(this Tensor tensor, double value)
    {
        using var held = value.ToScalar();
        return tensor.gt(held);
    }

    /// <summary><c>tensor &lt; value</c>.</summary>
    public static Tensor Below(this Tensor tensor, double value)
    {
        using var held = value.ToScalar();
        return tensor.lt(held);
    }

    /// <summary><c>tensor ≥ value</c>.</summary>
    public static Tensor NotBelow(this Tensor tensor, double value)
    {
        using var held = value.ToScalar();
        return tensor.ge(held);
    }

    /// <summary><c>tensor ≠ 0</c>.</summary>
    public static Tensor NonZero(this Tensor tensor) => tensor.ne(Zero);

    /// <summary><paramref name="tensor"/> with 0 where <paramref name="mask"/> is set.</summary>
    public static Tensor ZeroWhere(this Tensor tensor, Tensor mask) => tensor.masked_fill(mask, Zero);

    /// <summary>A 1-D int64 tensor of <paramref name="length"/> copies of <paramref name="value"/>.</summary>
    public static Tensor Filled(long length, long value, Device device)
    {
        using var held = value.ToScalar();
        return full(length, held, dtype: ScalarType.Int64, device: device);
    }
}
