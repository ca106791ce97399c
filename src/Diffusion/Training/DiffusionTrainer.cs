using System.Diagnostics;
using Synomaly.Diffusion.Model;
using Synomaly.Diffusion.Noise;
using Synomaly.Diffusion.Schedules;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Training;

/// <summary>
/// Trains an ε-prediction model with Synomaly noise (ALGORITHM.md sections 2.4, 2.5, 4.5): each step takes a batch of
/// healthy images (by default the next of a seeded permutation per epoch, as the reference's shuffled DataLoader; or drawn
/// with replacement, <see cref="TrainingOptions.Sampling"/>), random flips, t uniform over the schedule and Synomaly noise,
/// all from one seeded CPU generator whose draws are copied to the training device (<see cref="SeededDraws"/>), then takes
/// an AdamW step with global-norm gradient clipping. With a region mask
/// (<see cref="TrainingOptions.RegionMask"/>) the blobs stay where the mask, flipped with its image, is not −1; the mask
/// draws nothing, so the random stream is the same with and without one. The generator, optimizer, weights, EMA and
/// step (and the epoch's permutation and position) together are the whole state: <see cref="TrainingCheckpoint"/> saves and restores it exactly, so a resumed run
/// continues as if it had never stopped. With <see cref="TrainingOptions.Precision"/> bf16 or fp16 the passes run on a
/// <see cref="ReducedPrecisionReplica"/> while this model keeps the float32 master weights (fp16 adds a
/// <see cref="DynamicLossScaler"/>); fp32 takes the plain path below unchanged.
/// </summary>
public sealed class DiffusionTrainer : IDisposable
{
    private readonly nn.Module<Tensor, Tensor, Tensor> model;
    private readonly GaussianDiffusion diffusion;
    private readonly Tensor images;
    private readonly Tensor? regionMasks;
    private readonly Device device;

    /// <param name="regionMasks">
    /// With <see cref="RegionMaskSource.PerImage"/>: one mask per image, [N,1,H,W] like <paramref name="images"/> and paired
    /// by index (−1 forbids blobs); null otherwise.
    /// </param>
    public DiffusionTrainer(nn.Module<Tensor, Tensor, Tensor> model, GaussianDiffusion diffusion, Tensor images, TrainingOptions options, Device device, Tensor? regionMasks = null)
        : this(model, diffusion, images, options, device, regionMasks, static (master, precision, on) => new ReducedPrecisionReplica(master, precision, on))
    {
    }

    /// <param name="newReplica">
    /// Builds the reduced-precision replica, the trainer's last and largest allocation; tests pass one that fails as a GPU
    /// out of memory would.
    /// </param>
    /// <param name="releaseBuilt">
    /// Gives back what the constructor had built when a later step fails (null: <see cref="Dispose"/>); tests pass one
    /// that throws as well, as freeing device memory does once a CUDA error has poisoned the context.
    /// </param>
    internal DiffusionTrainer(
        nn.Module<Tensor, Tensor, Tensor> model,
        GaussianDiffusion diffusion,
        Tensor images,
        TrainingOptions options,
        Device device,
        Tensor? regionMasks,
        Func<UNet, TrainingPrecision, Device, ReducedPrecisionReplica> newReplica,
        Action<DiffusionTrainer>? releaseBuilt = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(diffusion);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(diffusion.Timesteps);
        if (images.dim() != 4 || images.shape[1] != 1 || images.shape[0] < 1)
        {
            throw new ArgumentException($"Training images must be [N,1,H,W] with N >= 1, got [{string.Join(',', images.shape)}].", nameof(images));
        }

        // Refused before anything is allocated: the device copies of the images and masks and the EMA's copy of the
        // weights would otherwise be left to the finalizer.
        if (options.Precision != TrainingPrecision.Fp32 && model is not UNet)
        {
            throw new ArgumentException(
                $"{options.Precision.Name()} training needs the UNet, which keeps GroupNorm and the softmax in float32; got {model.GetType().Name}.", nameof(model));
        }

        this.model = model;
        this.diffusion = diffusion;
        this.device = device;
        Options = options;
        try
        {
            this.regionMasks = RegionMasksFor(options.RegionMask, images, regionMasks, device);
            this.images = images.to(device);
            Generator = SeededDraws.CpuGenerator(options.Seed);
            Optimizer = optim.AdamW(model.parameters(), options.LearningRate, 0.9, 0.999, 1e-8, options.WeightDecay);
            Ema = options.EmaDecay > 0 ? new ExponentialMovingAverage(model, options.EmaDecay) : null;
            if (options.Precision != TrainingPrecision.Fp32)
            {
                Replica = newReplica((UNet)model, options.Precision, device);
                LossScaler = options.Precision == TrainingPrecision.Fp16 ? new DynamicLossScaler() : null;
            }
        }
        catch
        {
            // A later allocation that fails (on a GPU most likely the replica, a second network, out of memory) must not
            // leave the device copies of the images and masks and the EMA's copy of the weights to the finalizer.
            FailedConstruction.ReleaseKeepingTheFailure(() => (releaseBuilt ?? (static built => built.Dispose()))(this));
            throw;
        }
    }

    public TrainingOptions Options { get; }

    /// <summary>Steps completed so far (restored by a checkpoint).</summary>
    public int Step { get; internal set; }

    public List<double> LossHistory { get; } = [];

    /// <summary>The saved model this run's weights started from (a warm start), or null; checkpoints keep it.</summary>
    public ParentModel? InitialisedFrom { get; set; }

    /// <summary>Every phase of the run so far, this sitting's included (earlier ones restored by a checkpoint).</summary>
    public IReadOnlyList<TrainingPhase> Phases => TrainingPhase.Extend(EarlierPhases, TrainingSettings.Of(Options), Step);

    /// <summary>The phases trained before this sitting, as the checkpoint recorded them.</summary>
    internal IReadOnlyList<TrainingPhase> EarlierPhases { get; set; } = [];

    internal Generator Generator { get; }

    /// <summary>How many training images the trainer takes its batches from.</summary>
    internal long ImageCount => images.shape[0];

    /// <summary>
    /// With epoch sampling, this epoch's permutation of the image indices and how many of them batches have taken (null
    /// before the first batch); a checkpoint keeps both, so a resume takes the same batches as an uninterrupted run.
    /// </summary>
    internal (long[] Order, int Position)? Epoch { get; set; }

    internal TorchSharp.Modules.AdamW Optimizer { get; }

    /// <summary>The learning rate and weight decay the optimizer steps with now.</summary>
    public (double LearningRate, double WeightDecay) OptimizerSettings
    {
        get
        {
            var settings = OptimizerOptions;
            return (settings.LearningRate!.Value, settings.weight_decay!.Value);
        }
    }

    private TorchSharp.Modules.AdamW.Options OptimizerOptions =>
        (TorchSharp.Modules.AdamW.Options)((TorchSharp.Modules.ParamGroup)Optimizer.ParamGroups.Single()).Options;

    /// <summary>
    /// Sets the learning rate and weight decay back to this run's options. Loading an optimizer state replaces them with
    /// the checkpoint's, which would silently ignore a resume that asks for another --lr; the moments stay as restored.
    /// </summary>
    internal void ApplyRunOptimizerSettings()
    {
        var settings = OptimizerOptions;
        settings.LearningRate = Options.LearningRate;
        settings.InitialLearningRate = Options.LearningRate;
        settings.weight_decay = Options.WeightDecay;
    }

    internal ExponentialMovingAverage? Ema { get; }

    internal nn.Module<Tensor, Tensor, Tensor> Model => model;

    internal ReducedPrecisionReplica? Replica { get; }

    /// <summary>The type the convolutions, linears and attention compute in (the model itself stays float32).</summary>
    public ScalarType ComputeType => Replica?.Model.ComputeType ?? ScalarType.Float32;

    /// <summary>The float16 loss scaler (restored by a checkpoint); null in fp32 and bf16.</summary>
    public DynamicLossScaler? LossScaler { get; }

    /// <summary>Runs one optimisation step and returns its loss and gradient norm.</summary>
    public TrainingStep RunStep()
    {
        var watch = Stopwatch.StartNew();
        model.train();
        using var scope = NewDisposeScope();
        var (batch, t, noise, _) = Draw();
        Optimizer.zero_grad();
        var (loss, norm, stepped) = Replica is null ? Float32Pass(batch, t, noise) : ReducedPrecisionPass(Replica, batch, t, noise);
        if (stepped)
        {
            // Only after a step the optimizer took, as guided-diffusion: averaging in the unchanged weights of a step the
            // fp16 loss scaler skipped would pull the average back towards them.
            Ema?.Update(model);
        }

        double value = loss.item<float>();
        Step++;
        LossHistory.Add(value);
        return new TrainingStep(Step, value, norm, batch.shape[0] / Math.Max(watch.Elapsed.TotalSeconds, 1e-9));
    }

    /// <summary>
    /// The random part of a step, in the order every run has drawn it: the batch and its flips, t, then the Synomaly noise
    /// (shaped by the batch's region masks). Advances the generator; the tensors belong to the caller's dispose scope.
    /// </summary>
    internal TrainingDraws Draw()
    {
        var (batch, masks) = SampleBatch();
        int maxT = Options.MaxTimestep > 0 ? Options.MaxTimestep : diffusion.Timesteps;
        var t = SeededDraws.Integers(maxT, [batch.shape[0]], device, Generator);
        var noise = SynomalyNoise.Sample(batch.shape, Options.Noise, device, Generator, masks);
        return new TrainingDraws(batch, t, noise, masks);
    }

    private (Tensor Loss, double Norm, bool Stepped) Float32Pass(Tensor batch, Tensor t, Tensor noise)
    {
        var loss = diffusion.TrainingLoss(model, batch, t, noise, Options.Loss);
        loss.backward();
        double norm = nn.utils.clip_grad_norm_(model.parameters(), Options.GradientClipNorm);
        Optimizer.step();
        return (loss, norm, true);
    }

    /// <summary>
    /// Forward and backward on the replica, gradients unscaled into the float32 master weights, then the same clipping and
    /// AdamW step as <see cref="Float32Pass"/>. In fp16 a step whose gradients overflowed is skipped (the weights and
    /// moments stay as they were, and the EMA with them) and the loss scale shrinks; its loss still enters the history.
    /// </summary>
    private (Tensor Loss, double Norm, bool Stepped) ReducedPrecisionPass(ReducedPrecisionReplica replica, Tensor batch, Tensor t, Tensor noise)
    {
        replica.LoadWeights(model);
        var loss = diffusion.TrainingLoss(replica.Model, batch, t, noise, Options.Loss);
        double scale = LossScaler?.Scale ?? 1;
        (scale == 1 ? loss : loss * scale).backward();
        replica.CopyGradientsTo(model, 1 / scale);
        double norm = nn.utils.clip_grad_norm_(model.parameters(), Options.GradientClipNorm);
        bool stepped = LossScaler?.Update(double.IsFinite(norm)) ?? true;
        if (stepped)
        {
            Optimizer.step();
        }

        return (loss, norm, stepped);
    }

    /// <summary>Puts the EMA weights into the model (when EMA is on): the weights to export after training.</summary>
    public void UseAveragedWeights() => Ema?.CopyTo(model);

    /// <summary>
    /// A batch (<see cref="NextIndices"/>), each image flipped horizontally and vertically with probability 1/2, and its region
    /// masks (null without) flipped exactly as their images: the blobs must stay on the anatomy the mask outlines.
    /// </summary>
    private (Tensor Images, Tensor? Masks) SampleBatch()
    {
        var indices = NextIndices();
        long count = indices.shape[0];
        var batch = images.index_select(0, indices);
        // One mask (the disk) serves every image; per-image masks go with their image's index.
        var masks = regionMasks is null ? null
            : regionMasks.shape[0] == 1 ? regionMasks.expand_as(batch)
            : regionMasks.index_select(0, indices);
        if (!Options.RandomFlips)
        {
            return (batch, masks);
        }

        var flipH = (SeededDraws.Uniform([count, 1, 1, 1], device, Generator) < 0.5).expand_as(batch);
        batch = where(flipH, batch.flip(3), batch);
        masks = masks is null ? null : where(flipH, masks.flip(3), masks);
        var flipV = (SeededDraws.Uniform([count, 1, 1, 1], device, Generator) < 0.5).expand_as(batch);
        return (where(flipV, batch.flip(2), batch), masks is null ? null : where(flipV, masks.flip(2), masks));
    }

    /// <summary>
    /// The images of the next batch: drawn with replacement, or the next of this epoch's permutation, a new one drawn when
    /// the last is used up. An epoch's last batch holds the images left, so each is seen once per epoch (the DataLoader's
    /// drop_last false).
    /// </summary>
    private Tensor NextIndices()
    {
        long total = images.shape[0];
        if (Options.Sampling == BatchSampling.Replacement)
        {
            return SeededDraws.Integers(total, [Options.BatchSize], device, Generator);
        }

        if (Epoch is not { } epoch || epoch.Position >= epoch.Order.Length)
        {
            using var permutation = randperm(total, generator: Generator, dtype: ScalarType.Int64, device: CPU);
            epoch = (permutation.data<long>().ToArray(), 0);
        }

        int count = Math.Min(Options.BatchSize, epoch.Order.Length - epoch.Position);
        Epoch = (epoch.Order, epoch.Position + count);
        return tensor(epoch.Order.AsSpan(epoch.Position, count).ToArray(), dtype: ScalarType.Int64, device: device);
    }

    /// <summary>The masks the options ask for, on the device: none, the centred disk for every image, or the given per-image masks.</summary>
    private static Tensor? RegionMasksFor(RegionMaskSource source, Tensor images, Tensor? regionMasks, Device device)
    {
        if (source == RegionMaskSource.PerImage)
        {
            if (regionMasks is null || !regionMasks.shape.SequenceEqual(images.shape))
            {
                string given = regionMasks is null ? "none" : $"[{string.Join(',', regionMasks.shape)}]";
                throw new ArgumentException($"Per-image region masks must match the images, [{string.Join(',', images.shape)}]; got {given}.", nameof(regionMasks));
            }

            return regionMasks.to(device);
        }

        if (regionMasks is not null)
        {
            throw new ArgumentException($"Per-image region masks were given, but the options ask for region mask '{source.Name()}'.", nameof(regionMasks));
        }

        if (source != RegionMaskSource.CentredDisk)
        {
            return null;
        }

        return images.shape[2] == images.shape[3]
            ? CentredDiskMask.Create((int)images.shape[2], device)
            : throw new ArgumentException($"The centred disk needs square images, got {images.shape[2]}x{images.shape[3]}.", nameof(images));
    }

    /// <remarks>Also called by the constructor when it fails part way, so any of the fields may still be null.</remarks>
    public void Dispose()
    {
        Ema?.Dispose();
        Replica?.Dispose();
        Optimizer?.Dispose();
        Generator?.Dispose();
        images?.Dispose();
        regionMasks?.Dispose();
    }
}
