using System.Numerics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Model;

/// <summary>
/// The guided-diffusion UNet as the Synomaly authors configure it (ALGORITHM.md section 1): ResBlock up/down sampling, legacy
/// attention at the configured downsample factors, GroupNorm32 in float32, cos-then-sin timestep embedding, ε output.
/// Module and parameter names reproduce the reference state_dict keys in order (time_embed, input_blocks, middle_block,
/// output_blocks, out), so the authors' weights load by name.
/// It is built on the CPU, named in every layer rather than taken from libtorch's default device: every caller seeds or
/// loads the weights there and then moves the model with <c>to(device)</c>, and a process whose default device was set
/// elsewhere (CUDA, or META under a test's trap) would otherwise allocate every parameter there first. Every layer names
/// float32 too: a process that set float64 as libtorch's default dtype would otherwise build float64 weights (twice the
/// memory, and not the float32 the checkpoints, inputs and <see cref="UsePrecision"/> expect).
/// </summary>
public sealed class UNet : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> _timeEmbed;
    private readonly ModuleList<TimestepEmbedSequential> _inputBlocks;
    private readonly TimestepEmbedSequential _middleBlock;
    private readonly ModuleList<TimestepEmbedSequential> _outputBlocks;
    private readonly nn.Module<Tensor, Tensor> _out;
    private readonly int _sizeMultiple;

    public UNet(UNetConfig config)
        : base(nameof(UNet))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        _sizeMultiple = config.ImageSizeMultiple();
        var channelMult = config.ResolveChannelMult();
        var attentionAt = config.AttentionDownsampleFactors();
        int mc = config.ModelChannels, embDim = mc * 4;
        double dropout = config.Dropout;
        int Channels(double mult) => (int)(mult * mc);

        _timeEmbed = nn.Sequential(
            ("0", nn.Linear(mc, embDim, device: CPU, dtype: ScalarType.Float32)),
            ("1", nn.SiLU()),
            ("2", nn.Linear(embDim, embDim, device: CPU, dtype: ScalarType.Float32)));

        int ch = Channels(channelMult[0]), inputCh = ch;
        _inputBlocks = new ModuleList<TimestepEmbedSequential>(new TimestepEmbedSequential(nn.Conv2d(config.InChannels, ch, 3, padding: 1, device: CPU, dtype: ScalarType.Float32)));
        var skipChannels = new Stack<int>([ch]);
        int ds = 1;
        for (int level = 0; level < channelMult.Count; level++)
        {
            for (int i = 0; i < config.NumResBlocks; i++)
            {
                var layers = new List<nn.Module> { new ResBlock(ch, embDim, dropout, Channels(channelMult[level])) };
                ch = Channels(channelMult[level]);
                if (attentionAt.Contains(ds))
                {
                    layers.Add(new AttentionBlock(ch, config.HeadsFor(ch)));
                }

                _inputBlocks.Add(new TimestepEmbedSequential([.. layers]));
                skipChannels.Push(ch);
            }

            if (level != channelMult.Count - 1)
            {
                _inputBlocks.Add(new TimestepEmbedSequential(new ResBlock(ch, embDim, dropout, ch, Resample.Down)));
                skipChannels.Push(ch);
                ds *= 2;
            }
        }

        _middleBlock = new TimestepEmbedSequential(
            new ResBlock(ch, embDim, dropout, ch),
            new AttentionBlock(ch, config.HeadsFor(ch)),
            new ResBlock(ch, embDim, dropout, ch));

        _outputBlocks = new ModuleList<TimestepEmbedSequential>();
        for (int level = channelMult.Count - 1; level >= 0; level--)
        {
            for (int i = 0; i <= config.NumResBlocks; i++)
            {
                int skip = skipChannels.Pop();
                var layers = new List<nn.Module> { new ResBlock(ch + skip, embDim, dropout, Channels(channelMult[level])) };
                ch = Channels(channelMult[level]);
                if (attentionAt.Contains(ds))
                {
                    layers.Add(new AttentionBlock(ch, config.HeadsFor(ch)));
                }

                if (level > 0 && i == config.NumResBlocks)
                {
                    layers.Add(new ResBlock(ch, embDim, dropout, ch, Resample.Up));
                    ds /= 2;
                }

                _outputBlocks.Add(new TimestepEmbedSequential([.. layers]));
            }
        }

        var outConv = nn.Conv2d(inputCh, config.OutChannels, 3, padding: 1, device: CPU, dtype: ScalarType.Float32);
        ZeroInit.Apply(outConv);
        _out = nn.Sequential(("0", new GroupNorm32(ch)), ("1", nn.SiLU()), ("2", outConv));

        register_module("time_embed", _timeEmbed);
        register_module("input_blocks", _inputBlocks);
        register_module("middle_block", _middleBlock);
        register_module("output_blocks", _outputBlocks);
        register_module("out", _out);
    }

    public UNetConfig Config { get; }

    /// <summary>Chooses the attention kernel of every attention block (explicit float32 softmax by default).</summary>
    public AttentionKernel AttentionKernel
    {
        get => AttentionBlocks().FirstOrDefault()?.Kernel ?? AttentionKernel.Explicit;
        set
        {
            foreach (var block in AttentionBlocks())
            {
                block.Kernel = value;
            }
        }
    }

    /// <summary>The dtype of the convolutions, linears and attention (GroupNorm always runs in float32): see <see cref="UsePrecision"/>.</summary>
    public ScalarType ComputeType => _inputBlocks[0].parameters().First().dtype;

    /// <summary>
    /// Runs the network in <paramref name="computeType"/>: Float32 (the reference), or BFloat16 / Float16 for throughput, in
    /// the manner of autocast: convolutions, linears and attention matmuls in the reduced type, while GroupNorm (parameters
    /// and arithmetic), the attention softmax and the timestep sinusoid stay in float32. Inputs may be float32 and the output
    /// is always float32. The GroupNorm parameters are never converted, so they keep their float32 values exactly.
    /// The switch is one way: the other weights are rounded to the reduced type and no float32 copy is kept (it would
    /// double the weights' memory), so asking a reduced-precision network for another type throws
    /// <see cref="InvalidOperationException"/>; load the model again to run it in float32. Asking for the type it already
    /// runs in changes nothing. Saving a reduced-precision model writes float32 tensors of the rounded values.
    /// </summary>
    public void UsePrecision(ScalarType computeType)
    {
        if (computeType is not (ScalarType.Float32 or ScalarType.BFloat16 or ScalarType.Float16))
        {
            throw new ArgumentOutOfRangeException(nameof(computeType), computeType, "The UNet runs in Float32, BFloat16 or Float16.");
        }

        var current = ComputeType;
        if (computeType == current)
        {
            return;
        }

        if (current != ScalarType.Float32)
        {
            throw new InvalidOperationException(
                $"The UNet runs in {current}: its weights were rounded to {current} when it switched, so {computeType} cannot have the original values back. Load the model again to run it in {computeType}.");
        }

        // Leaf by leaf, skipping GroupNorm32: converting the whole module and GroupNorm back would round its parameters
        // to the reduced type on the way (1 + 2^-10 becomes 1 in bfloat16). Containers own no parameters of their own.
        foreach (var leaf in modules().Where(module => module is not GroupNorm32 && !module.children().Any()))
        {
            leaf.to(computeType);
        }

        if (ChannelsLast)
        {
            UseChannelsLast(true);
        }
    }

    /// <summary>Whether activations and 2-D convolution weights use the channels-last layout: see <see cref="UseChannelsLast"/>.</summary>
    public bool ChannelsLast { get; private set; }

    /// <summary>
    /// Lays out every Conv2d weight and the input channels-last (NHWC) or back to contiguous (NCHW, the default). The values
    /// and the output do not change beyond kernel rounding; the layout is a speed option (cuDNN and oneDNN pick NHWC kernels,
    /// which matters most in reduced precision). It survives <see cref="UsePrecision"/>; saved weights are written contiguous.
    /// </summary>
    public void UseChannelsLast(bool enabled)
    {
        using var noGrad = no_grad();
        foreach (var conv in modules().OfType<Conv2d>())
        {
            var weight = conv.weight ?? throw new InvalidOperationException("A Conv2d has no weight.");
            if (MemoryLayout.IsChannelsLast(weight) == enabled)
            {
                continue;
            }

            var relaid = enabled ? MemoryLayout.ToChannelsLast(weight) : weight.contiguous();
            conv.weight = new Parameter(relaid, weight.requires_grad);
            weight.Dispose();
        }

        ChannelsLast = enabled;
    }

    /// <summary>ε̂ = model(x, t): x [N, in, H, W], t [N] (integer timesteps; cast to float32 for the embedding). Float32 out.</summary>
    public override Tensor forward(Tensor input1, Tensor input2)
    {
        ArgumentNullException.ThrowIfNull(input1);
        ArgumentNullException.ThrowIfNull(input2);
        RequireHalvableSize(input1);
        using var scope = NewDisposeScope();
        var computeType = ComputeType;
        var emb = _timeEmbed.call(TimestepEmbedding.Sinusoidal(input2, Config.ModelChannels).to_type(computeType));
        var h = input1.to_type(computeType);
        if (ChannelsLast)
        {
            h = MemoryLayout.ToChannelsLast(h);
        }

        var skips = new Stack<Tensor>();
        foreach (var block in _inputBlocks)
        {
            h = block.call(h, emb);
            skips.Push(h);
        }

        h = _middleBlock.call(h, emb);
        foreach (var block in _outputBlocks)
        {
            // Current features first, then the skip: this fixes the channel layout of the weights.
            h = block.call(cat([h, skips.Pop()], 1), emb);
        }

        return _out.call(h).to_type(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The encoder halves the image at every level but the last (avg-pool, rounding down) and the decoder doubles it back
    /// and concatenates each level with its encoder twin, so a side that is not a multiple of 2^(levels − 1) fails deep in
    /// the network with libtorch's "Sizes of tensors must match". Refused here, by name and with the sizes that work.
    /// </summary>
    private void RequireHalvableSize(Tensor input)
    {
        int multiple = _sizeMultiple;
        if (input.dim() == 4 && (input.shape[2] % multiple != 0 || input.shape[3] % multiple != 0))
        {
            throw new ArgumentException(
                $"The UNet takes slices whose height and width are a multiple of {multiple} (it halves them {BitOperations.Log2((uint)multiple)} times and doubles them back); got {input.shape[2]}x{input.shape[3]}. Its weights were trained at {Config.ImageSize}x{Config.ImageSize}.",
                nameof(input));
        }
    }

    private IEnumerable<AttentionBlock> AttentionBlocks() => modules().OfType<AttentionBlock>();

    /// <summary>Children are registered explicitly under the reference's names; fields must not add a second copy.</summary>
    protected override void RegisterComponents()
    {
    }
}
