using TorchSharp;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Model;

/// <summary>How an <see cref="AttentionBlock"/> computes softmax(q·kᵀ)·v.</summary>
public enum AttentionKernel
{
    /// <summary>Two batched matmuls with the softmax in float32, as the reference's <c>QKVAttentionLegacy</c>.</summary>
    Explicit,

    /// <summary>libtorch's fused <c>scaled_dot_product_attention</c> (flash / memory-efficient kernels on CUDA).</summary>
    ScaledDotProduct,
}

/// <summary>
/// The reference <c>AttentionBlock</c> with the legacy q/k/v order (heads split before q, k, v: head h owns channels
/// [3c·h, 3c·(h+1)) of the qkv projection), 1×1 Conv1d projections named qkv / proj_out, GroupNorm named norm.
/// </summary>
public sealed class AttentionBlock : nn.Module<Tensor, Tensor>
{
    private readonly GroupNorm32 _norm;
    private readonly nn.Module<Tensor, Tensor> _qkv;
    private readonly nn.Module<Tensor, Tensor> _projOut;

    public AttentionBlock(int channels, int heads)
        : base(nameof(AttentionBlock))
    {
        if (heads <= 0 || channels % heads != 0)
        {
            throw new InvalidModelConfigException($"{channels} attention channels cannot be split into {heads} heads.");
        }

        Heads = heads;
        // Parameters on the CPU and in float32 by name, whatever libtorch's default device and dtype: see UNet.
        _norm = new GroupNorm32(channels);
        _qkv = nn.Conv1d(channels, channels * 3, 1, device: CPU, dtype: ScalarType.Float32);
        _projOut = nn.Conv1d(channels, channels, 1, device: CPU, dtype: ScalarType.Float32);
        ZeroInit.Apply(_projOut);
        register_module("norm", _norm);
        register_module("qkv", _qkv);
        register_module("proj_out", _projOut);
    }

    public int Heads { get; }

    public AttentionKernel Kernel { get; set; } = AttentionKernel.Explicit;

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        long b = input.shape[0], c = input.shape[1];
        var x = input.reshape(b, c, -1);
        long length = x.shape[2];
        var qkv = _qkv.call(_norm.call(x));
        long ch = c / Heads;
        Tensor a;
        if (Kernel == AttentionKernel.ScaledDotProduct)
        {
            // The default scale 1/sqrt(c) equals the reference's (1/c^¼)² on q and k.
            var (q, k, v) = FusedKernelInputs(qkv, Heads);
            var attended = nn.functional.scaled_dot_product_attention(q, k, v); // [B, H, T, c]
            a = attended.transpose(2, 3); // [B, H, c, T]: head h keeps channels [c·h, c·(h+1)), as below
        }
        else
        {
            var parts = qkv.reshape(b * Heads, ch * 3, length).split(ch, 1);
            var (q, k, v) = (parts[0], parts[1], parts[2]);
            double scale = 1 / Math.Sqrt(Math.Sqrt(ch));
            var weight = q.Times(scale).transpose(1, 2).matmul(k.Times(scale)); // [B·H, T, S]
            weight = weight.to_type(ScalarType.Float32).softmax(-1).to_type(weight.dtype);
            a = v.matmul(weight.transpose(1, 2)); // a[c, t] = Σ_s w[t, s]·v[c, s]
        }

        var h = _projOut.call(a.reshape(b, -1, length));
        return x.Plus(h).reshape(input.shape).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// q, k and v for <c>scaled_dot_product_attention</c> from the qkv projection [B, 3·H·c, T] in the legacy order (head h
    /// owns channels [3c·h, 3c·(h+1))): each [B, H, T, c] with unit stride along c. libtorch's fused CUDA kernels (flash,
    /// memory-efficient) take only 4-D inputs whose last dimension is contiguous and fall back to the math kernel otherwise.
    /// </summary>
    public static (Tensor Q, Tensor K, Tensor V) FusedKernelInputs(Tensor qkv, int heads)
    {
        ArgumentNullException.ThrowIfNull(qkv);
        long b = qkv.shape[0], length = qkv.shape[2], ch = qkv.shape[1] / (3 * heads);
        var byToken = qkv.reshape(b, heads, ch * 3, length).transpose(2, 3).contiguous();
        var parts = byToken.split(ch, 3);
        return (parts[0], parts[1], parts[2]);
    }

    /// <summary>Children are registered explicitly under the reference's names; fields must not add a second copy.</summary>
    protected override void RegisterComponents()
    {
    }
}
