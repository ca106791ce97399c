using System.Diagnostics;
using Synomaly.Diffusion.Noise;
using Synomaly.Diffusion.Schedules;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Training;

/// <summary>
/// Trains an ε-prediction model with Synomaly noise (ALGORITHM.md sections 2.4, 2.5, 4.5): each step draws a batch of
/// healthy images, random flips, t uniform over the schedule and Synomaly noise, all from one seeded generator on the
/// training device, then takes an AdamW step with global-norm gradient clipping. The generator, optimizer, weights, EMA and
/// step together are the whole state: <see cref="TrainingCheckpoint"/> saves and restores it exactly, so a resumed run
/// continues as if it had never stopped.
/// </summary>
public sealed class DiffusionTrainer : IDisposable
{
    private readonly nn.Module<Tensor, Tensor, Tensor> model;
    private readonly GaussianDiffusion diffusion;
    private readonly Tensor images;
    private readonly Device device;

    public DiffusionTrainer(nn.Module<Tensor, Tensor, Tensor> model, GaussianDiffusion diffusion, Tensor images, TrainingOptions options, Device device)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (images.dim() != 4 || images.shape[1] != 1 || images.shape[0] < 1)
        {
            throw new ArgumentException($"Training images must be [N,1,H,W] with N >= 1, got [{string.Join(',', images.shape)}].", nameof(images));
        }

        this.model = model;
        this.diffusion = diffusion;
        this.device = device;
        this.images = images.to(device);
        Options = options;
        Generator = new Generator((ulong)options.Seed, device);
        Optimizer = optim.AdamW(model.parameters(), options.LearningRate, 0.9, 0.999, 1e-8, options.WeightDecay);
        Ema = options.EmaDecay > 0 ? new ExponentialMovingAverage(model, options.EmaDecay) : null;
    }

    public TrainingOptions Options { get; }

    /// <summary>Steps completed so far (restored by a checkpoint).</summary>
    public int Step { get; internal set; }

    public List<double> LossHistory { get; } = [];

    internal Generator Generator { get; }

    internal OptimizerHelper Optimizer { get; }

    internal ExponentialMovingAverage? Ema { get; }

    internal nn.Module<Tensor, Tensor, Tensor> Model => model;

    /// <summary>Runs one optimisation step and returns its loss and gradient norm.</summary>
    public TrainingStep RunStep()
    {
        var watch = Stopwatch.StartNew();
        model.train();
        using var scope = NewDisposeScope();
        var batch = SampleBatch();
        int maxT = Options.MaxTimestep > 0 ? Math.Min(Options.MaxTimestep, diffusion.Timesteps) : diffusion.Timesteps;
        var t = randint(0, maxT, [batch.shape[0]], dtype: int64, device: device, generator: Generator);
        var noise = SynomalyNoise.Sample(batch.shape, Options.Noise, device, Generator);
        Optimizer.zero_grad();
        var loss = diffusion.TrainingLoss(model, batch, t, noise, Options.Loss);
        loss.backward();
        double norm = nn.utils.clip_grad_norm_(model.parameters(), Options.GradientClipNorm);
        Optimizer.step();
        Ema?.Update(model);
        double value = loss.item<float>();
        Step++;
        LossHistory.Add(value);
        return new TrainingStep(Step, value, norm, batch.shape[0] / Math.Max(watch.Elapsed.TotalSeconds, 1e-9));
    }

    /// <summary>Puts the EMA weights into the model (when EMA is on): the weights to export after training.</summary>
    public void UseAveragedWeights() => Ema?.CopyTo(model);

    /// <summary>A batch drawn with replacement, each image flipped horizontally and vertically with probability 1/2.</summary>
    private Tensor SampleBatch()
    {
        var indices = randint(0, images.shape[0], [Options.BatchSize], dtype: int64, device: device, generator: Generator);
        var batch = images.index_select(0, indices);
        if (!Options.RandomFlips)
        {
            return batch;
        }

        var flipH = (rand([Options.BatchSize, 1, 1, 1], device: device, generator: Generator) < 0.5).expand_as(batch);
        batch = where(flipH, batch.flip(3), batch);
        var flipV = (rand([Options.BatchSize, 1, 1, 1], device: device, generator: Generator) < 0.5).expand_as(batch);
        return where(flipV, batch.flip(2), batch);
    }

    public void Dispose()
    {
        Ema?.Dispose();
        Optimizer.Dispose();
        Generator.Dispose();
        images.Dispose();
    }
}
